"""Finding and reading exchange-log files: JSON Lines, gzipped JSON Lines and Parquet.

Readers cut each file into *blocks* of whole lines (or Parquet record batches) and
:func:`parse_block` turns a block into store rows plus the rejects it held, each with its
file and 1-based line (Parquet: row) number. Blocks are plain picklable values so a process
pool can parse them on every core while the writer inserts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from distillguard.errors import InputError, RecordError

try:  # ISA-L inflates gzip about three times faster than zlib, with the same API
    from isal import isal_zlib as _zlib
except ImportError:  # pragma: no cover - isal is a dependency; zlib is the fallback
    import zlib as _zlib  # type: ignore[no-redef]

__all__ = [
    "JSON_FIELD_KEY",
    "Block",
    "BlockResult",
    "Reject",
    "blocks",
    "discover",
    "parse_block",
    "parse_line",
    "rows_to_table",
]

#: Field metadata marking a Parquet string column whose values are JSON text to decode
#: (how :meth:`Store.export` writes top-level fields beyond the spec).
JSON_FIELD_KEY = b"distillguard.json"

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_GZ_SUFFIXES = (".jsonl.gz", ".ndjson.gz")
_PARQUET_SUFFIXES = (".parquet",)
_BLOCK_BYTES = 4 << 20
#: Compressed bytes inflated at a time: small pieces stay in the CPU cache (inflating 64 KB
#: at a time took half the CPU of 1 MB at a time here); they are joined into blocks.
_GZ_READ_BYTES = 64 << 10
_PARQUET_ROWS = 8192
_BOM = b"\xef\xbb\xbf"


class Reject(NamedTuple):
    """One record that could not be stored."""

    file: str
    line: int
    message: str
    raw: str


@dataclass(slots=True)
class Block:
    """A run of whole records from one file: JSON Lines bytes or decoded Parquet rows.

    JSON Lines text is ``head + data[:end]`` (see :meth:`text`): the reader hands over the
    decompressed chunk as it is and the parser, usually in another process, joins it to the
    partial line carried over from the previous chunk, so the reading process copies
    nothing. ``first_line`` is the file line number of the block's first line, or 1 when
    the blocks were read with ``numbered=False``: then the consumer adds the lines of the
    earlier blocks of the same file (``start`` marks a file's first block).
    """

    file: str
    first_line: int
    data: bytes | None = None
    objects: list[Any] | None = None
    batch: pa.RecordBatch | None = None  # Parquet rows, decoded where they are parsed
    nbytes: int = 0  # on-disk bytes this block accounts for (progress only)
    head: bytes = b""
    end: int = -1  # data[:end] belongs to the block; -1: all of data
    start: bool = False

    def text(self) -> bytes:
        """The block's JSON Lines text, whole lines without the final newline."""
        data = self.data or b""
        if self.end < 0:
            return self.head + data if self.head else data
        if not self.head:
            return data[: self.end]
        return b"".join((self.head, memoryview(data)[: self.end]))  # one copy, not two

    def lines(self) -> int:
        """How many file lines (or Parquet rows) the block spans."""
        if self.data is not None:
            return self.text().count(b"\n") + 1
        if self.batch is not None:
            return self.batch.num_rows
        return len(self.objects or ())


@dataclass(slots=True)
class BlockResult:
    """What one block parsed into."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    read: int = 0


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(_GZ_SUFFIXES):
        return "gz"
    if name.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(_PARQUET_SUFFIXES):
        return "parquet"
    return None


def _sniff(path: Path) -> str:
    """The format of a file named explicitly: by suffix, else by its first bytes."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    kind = _kind(path)
    if kind is None:
        kind = "gz" if head[:2] == b"\x1f\x8b" else "parquet" if head == b"PAR1" else "jsonl"
    if kind == "gz" and head and head[:2] != b"\x1f\x8b":
        raise InputError(f"{path}: not a gzip file")
    if kind == "parquet":
        try:
            pq.ParquetFile(path).close()
        except (OSError, pa.ArrowException) as exc:
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from None
    return kind


def discover(paths: Sequence[str | Path]) -> list[tuple[Path, str]]:
    """Every input file under ``paths`` with its format, checked readable before any work.

    A folder contributes its ``.jsonl``, ``.ndjson``, ``.jsonl.gz`` and ``.parquet`` files,
    recursively, in sorted path order; a file named explicitly is read whatever its suffix.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise InputError("no input paths given")
    out: list[tuple[Path, str]] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(
                (p for p in path.rglob("*") if p.is_file() and _kind(p) is not None),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            out.extend((p, _sniff(p)) for p in found)
        elif path.exists():
            out.append((path, _sniff(path)))
        else:
            raise InputError(f"{given}: no such file or folder")
    return out


class _Damaged(Exception):
    """The rest of a file cannot be read; what came before it is good."""


def _plain_chunks(raw: BinaryIO, limit: int = -1) -> Iterator[bytes]:
    """Pieces of a plain file from its current position; ``limit`` >= 0: that many bytes."""
    if limit < 0:
        while chunk := raw.read(_BLOCK_BYTES):
            yield chunk
        return
    while limit > 0 and (chunk := raw.read(min(_BLOCK_BYTES, limit))):
        limit -= len(chunk)
        yield chunk


def _gunzip_chunks(raw: BinaryIO) -> Iterator[bytes]:
    """Decompressed pieces of a (possibly multi-member) gzip stream.

    Unlike :class:`gzip.GzipFile`, every byte decompressed before a truncation or a
    corrupt member is handed out first; then :class:`_Damaged` is raised.
    """
    inflater = _zlib.decompressobj(wbits=31)
    fed = False  # whether the current member has received any bytes
    while True:
        data = raw.read(_GZ_READ_BYTES)
        if not data:
            if fed and not inflater.eof:
                raise _Damaged("the gzip stream is truncated")
            return
        while data:
            fed = True
            try:
                out = inflater.decompress(data)
            except _zlib.error as exc:
                raise _Damaged(f"corrupt gzip data ({exc})") from None
            if out:
                yield out
            if not inflater.eof:
                break
            data = inflater.unused_data
            inflater = _zlib.decompressobj(wbits=31)
            fed = False
            if not data.strip(b"\0"):  # padding after the last member
                break


def _jsonl_blocks(
    path: Path, gz: bool, numbered: bool, begin: int = 0, end: int = -1
) -> Iterator[Block]:
    name = str(path)
    line = 1
    pending: list[bytes] = []  # text not handed out yet (it starts with a partial line)
    size = 0
    last_pos = begin
    start = True
    damaged: _Damaged | None = None
    with path.open("rb") as raw:
        if gz:
            pieces = _gunzip_chunks(raw)
        else:
            raw.seek(begin)
            pieces = _plain_chunks(raw, end - begin if end >= 0 else -1)
        first = begin == 0
        try:
            for piece in pieces:
                if first:
                    first = False
                    if piece.startswith(_BOM):  # written by some Windows tools
                        piece = piece[len(_BOM) :]
                pending.append(piece)
                size += len(piece)
                if size < _BLOCK_BYTES:
                    continue
                data = pending[0] if len(pending) == 1 else b"".join(pending)
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending = [data]
                    continue
                pos = raw.tell()
                first_line = line if numbered else 1
                yield Block(
                    name, first_line, data=data, end=cut, nbytes=pos - last_pos, start=start
                )
                start = False
                last_pos = pos
                if numbered:
                    line += data.count(b"\n", 0, cut) + 1
                rest = data[cut + 1 :]
                pending = [rest] if rest else []
                size = len(rest)
        except _Damaged as exc:
            damaged = exc
        data = b"".join(pending)
        if damaged is None:
            if data:
                nbytes = raw.tell() - last_pos
                yield Block(name, line if numbered else 1, data=data, nbytes=nbytes, start=start)
            return
        # Keep every whole line before the damage; the partial last line is not a record.
        cut = data.rfind(b"\n")
        if cut >= 0:
            yield Block(name, line if numbered else 1, data=data, end=cut, start=start)
            start = False
            if numbered:
                line += data.count(b"\n", 0, cut) + 1
        broken = [_Broken(f"file unreadable from here on: {damaged}")]
        yield Block(name, line if numbered else 1, objects=broken, start=start)


def _decode_json_columns(batch: pa.RecordBatch, rows: list[dict[str, Any]]) -> None:
    """Decode the columns :meth:`Store.export` marked as JSON text back into values."""
    marked = [f.name for f in batch.schema if f.metadata and f.metadata.get(JSON_FIELD_KEY) == b"1"]
    for name in marked:
        for row in rows:
            value = row.get(name)
            if isinstance(value, str):
                with contextlib.suppress(orjson.JSONDecodeError):
                    row[name] = orjson.loads(value)
            elif value is None:
                del row[name]


def _parquet_blocks(path: Path, numbered: bool) -> Iterator[Block]:
    name = str(path)
    size = path.stat().st_size
    with pq.ParquetFile(path) as pf:
        total = max(pf.metadata.num_rows, 1)
        line = 1
        for i, batch in enumerate(pf.iter_batches(batch_size=_PARQUET_ROWS)):
            nbytes = size * batch.num_rows // total
            yield Block(name, line if numbered else 1, batch=batch, nbytes=nbytes, start=i == 0)
            line += batch.num_rows


def blocks(
    path: Path, kind: str, *, numbered: bool = True, begin: int = 0, end: int = -1
) -> Iterator[Block]:
    """The blocks of one file, in order (``numbered=False``: see :class:`Block`).

    For a plain JSON Lines file, ``begin``/``end`` (-1: the end of the file) restrict the
    blocks to those bytes (line numbers then count from ``begin``); other kinds are read
    whole.
    """
    if kind == "parquet":
        return _parquet_blocks(path, numbered)
    if kind == "gz":
        return _jsonl_blocks(path, gz=True, numbered=numbered)
    return _jsonl_blocks(path, gz=False, numbered=numbered, begin=begin, end=end)


class _Broken(NamedTuple):
    """Stands in a block for the unreadable tail of a file; always rejected."""

    message: str


def _raw_text(obj: Any) -> str:
    try:
        return orjson.dumps(obj, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(obj)


def _line_reject(raw: bytes, lineno: int, file: str, message: str) -> Reject:
    return Reject(file, lineno, message, raw.decode("utf-8", "replace").rstrip("\r"))


def parse_line(
    raw: bytes, lineno: int, file: str, convert: Callable[[Any], tuple[Any, ...]]
) -> tuple[tuple[Any, ...] | None, Reject | None]:
    """The row of one non-blank JSON line, or its reject (exactly as :func:`parse_block`)."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, _line_reject(raw, lineno, file, f"invalid JSON ({exc})")
    try:
        return convert(obj), None
    except RecordError as exc:
        return None, _line_reject(raw, lineno, file, str(exc))


def parse_block(block: Block, convert: Callable[[Any], tuple[Any, ...]]) -> BlockResult:
    """Rows and rejects of one block; ``convert`` maps a decoded record to its row."""
    out = BlockResult()
    rows = out.rows
    append = rows.append
    loads = orjson.loads
    if block.data is not None:
        for lineno, raw in enumerate(block.text().split(b"\n"), block.first_line):
            if not raw or raw.isspace():
                continue
            out.read += 1
            try:
                obj = loads(raw)
            except orjson.JSONDecodeError as exc:
                out.rejects.append(_line_reject(raw, lineno, block.file, f"invalid JSON ({exc})"))
                continue
            try:
                append(convert(obj))
            except RecordError as exc:
                out.rejects.append(_line_reject(raw, lineno, block.file, str(exc)))
    else:
        objects = block.objects
        if block.batch is not None:
            objects = block.batch.to_pylist()
            _decode_json_columns(block.batch, objects)
        for lineno, obj in enumerate(objects or (), block.first_line):
            out.read += 1
            if isinstance(obj, _Broken):
                out.rejects.append(Reject(block.file, lineno, obj.message, ""))
                continue
            try:
                append(convert(obj))
            except RecordError as exc:
                out.rejects.append(Reject(block.file, lineno, str(exc), _raw_text(obj)))
    return out


def _column(values: Sequence[Any], type_: pa.DataType) -> pa.Array:
    if pa.types.is_string(type_):
        # JSON columns arrive as UTF-8 bytes (see ``_rows.dumps``), the rest as str.
        sample = next((v for v in values if v is not None), None)
        if isinstance(sample, bytes):
            return pa.array(values, type=pa.binary()).cast(pa.string())
    return pa.array(values, type=type_)


def rows_to_table(rows: list[tuple[Any, ...]], schema: pa.Schema) -> pa.Table:
    """An Arrow table of row tuples laid out as ``schema``."""
    if not rows:
        return schema.empty_table()
    columns = list(zip(*rows, strict=True))
    arrays = [_column(col, f.type) for col, f in zip(columns, schema, strict=True)]
    return pa.Table.from_arrays(arrays, schema=schema)
