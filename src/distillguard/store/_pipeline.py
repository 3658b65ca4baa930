"""Parsing blocks into Arrow tables, on every core when the input is large.

The writer (DuckDB, in the calling process) inserts one batch while worker processes parse
the next blocks, so parsing and inserting overlap. Blocks go out and tables come back in
file order, with a bounded number in flight, so memory stays flat however large the log and
"first occurrence of an id wins" holds exactly as in a single-process run.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import NamedTuple

import pyarrow as pa

from distillguard.store._lines import parse_exchange_lines
from distillguard.store._readers import Block, Reject, parse_block, rows_to_table
from distillguard.store._rows import exchange_row
from distillguard.store._schema import EXCHANGE_SCHEMA

__all__ = ["ENV_WORKERS", "Parsed", "parse_exchange_block", "parsed", "worker_count"]

#: Environment variable fixing the number of parser processes (0 or 1: parse in-process).
ENV_WORKERS = "DISTILLGUARD_INGEST_WORKERS"
#: Inputs smaller than this are parsed in-process: a pool would cost more than it saves.
POOL_MIN_BYTES = 24 << 20


class Parsed(NamedTuple):
    """One parsed block."""

    table: pa.Table
    rejects: list[Reject]
    read: int
    nbytes: int
    cpu: float  # CPU seconds the parse took, wherever it ran
    lines: int = 0  # file lines (or Parquet rows) the block spans
    start: bool = False  # the block is its file's first


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsing allocates millions of acyclic objects,
    and collections triggered by them cost more than the parse itself."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_exchange_block(block: Block) -> Parsed:
    """Parse one block of exchange records into an Arrow table (runs in a worker)."""
    started = time.process_time()
    with no_gc():
        if block.data is not None:
            text = block.text()
            table, rejects, read, lines = parse_exchange_lines(text, block.file, block.first_line)
        else:
            result = parse_block(block, exchange_row)
            table = rows_to_table(result.rows, EXCHANGE_SCHEMA)
            rejects, read, lines = result.rejects, result.read, block.lines()
    cpu = time.process_time() - started
    return Parsed(table, rejects, read, block.nbytes, cpu, lines, block.start)


def worker_count(total_bytes: int) -> int:
    """How many parser processes to use for an input of ``total_bytes``."""
    env = os.environ.get(ENV_WORKERS)
    if env is not None and env.strip():
        try:
            return max(int(env), 0)
        except ValueError:
            return 0
    if total_bytes < POOL_MIN_BYTES:
        return 0
    return max(min(os.cpu_count() or 1, 4), 1)


def parsed(blocks: Iterable[Block], workers: int) -> Generator[Parsed, None, None]:
    """Parse ``blocks`` in order, with ``workers`` processes (0 or 1: in this process)."""
    if workers <= 1:
        for block in blocks:
            yield parse_exchange_block(block)
        return
    ctx = multiprocessing.get_context("forkserver")
    with contextlib.suppress(AttributeError, ValueError):
        ctx.set_forkserver_preload([__name__])  # workers start with the parser imported
    pool = ProcessPoolExecutor(workers, mp_context=ctx)
    try:
        window: deque[Future[Parsed]] = deque()
        limit = workers * 2
        for block in blocks:
            window.append(pool.submit(parse_exchange_block, block))
            if len(window) >= limit:
                yield window.popleft().result()
        while window:
            yield window.popleft().result()
    finally:
        # On an error or interrupt, drop the blocks not started yet instead of parsing them.
        pool.shutdown(wait=True, cancel_futures=True)
