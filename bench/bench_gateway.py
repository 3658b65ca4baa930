"""Gateway overhead benchmark: direct-to-mock vs through the gateway, in one run.

Starts a cheap mock upstream (``distillguard mock-upstream --fixed``), a gateway in front of
it (logging on, rate limits and verdict checks on, live detection on), and drives both with
``h2load`` (HTTP/1.1, fixed request counts, per-request log). Reports, per scenario:

- gateway CPU time per request (utime+stime from /proc of every gateway process / requests);
- p50/p99 latency direct and through the gateway at concurrency 1 (added = difference);
- throughput at concurrency 32 (gateway / direct);
- streaming time-to-first-token added (mock with per-token delay; a raw-socket client);
- the mock's own CPU per request at concurrency 32 (the floor of one HTTP hop here), how
  the c32 work split across worker processes (SO_REUSEPORT balance), and the load average.

Usage: .venv/bin/python bench/bench_gateway.py [--requests N] [--workers 1 2] [--strict]

``--parts`` instead times the hot path's stages in this process (no sockets): the request
handler with an instant upstream, the upstream pool's fetch, and single stages.

``--ab-src DIR`` instead compares another source tree (e.g. ``git archive <commit> src |
tar -x -C /tmp/old`` then ``--ab-src /tmp/old/src``) with this one: gateways from the two
trees alternate ``--ab-rounds`` times in front of the same mock, so a shared, noisy machine
affects both alike; CPU per request is reported beside the mock's own (the ratio is the
load-independent figure).
Needs h2load (Debian package nghttp2-client). Writes bench/out/gateway.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
TICK = os.sysconf("SC_CLK_TCK")
BODY = json.dumps(
    {
        "model": "mock-gpt",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": "Write a haiku about distributed systems and caches."},
        ],
        "max_tokens": 64,
        "temperature": 0.2,
    }
).encode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            raise SystemExit(
                f"process exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"port {port} never opened")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / TICK


def is_helper(pid: int) -> bool:
    """A multiprocessing child (the live detector, its resource tracker), not a worker."""
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"multiprocessing" in cmd


def family(pid: int) -> list[int]:
    """``pid`` and its child processes (the gateway's workers)."""
    out = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        kids = []
    for k in kids:
        out.extend(family(int(k)))
    return out


def h2load(url: str, n: int, c: int, headers: dict[str, str], tmp: Path) -> dict:
    body = tmp / "body.json"
    body.write_bytes(BODY)
    log = tmp / "h2load.log"
    if log.exists():
        log.unlink()
    cmd = ["h2load", "--h1", "-n", str(n), "-c", str(c), "-m", "1", "-d", str(body)]
    cmd += ["--log-file", str(log)]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    started = time.perf_counter()
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    wall = time.perf_counter() - started
    lat = []
    statuses: dict[str, int] = {}
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3:
            statuses[parts[1]] = statuses.get(parts[1], 0) + 1
            lat.append(int(parts[2]) / 1000.0)  # µs -> ms
    lat.sort()
    rps = 0.0
    for line in out.splitlines():
        if line.startswith("finished in"):
            rps = float(line.split(",")[1].split()[0])
    return {
        "n": len(lat),
        "statuses": statuses,
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[int(len(lat) * 0.99)],
        "rps": rps,
        "wall_s": wall,
    }


def ttft(port: int, path: str, headers: dict[str, str], n: int) -> list[float]:
    """Time from sending a streamed request to the first SSE data byte, per request (ms)."""
    body = json.dumps(
        {"model": "mock-gpt", "messages": [{"role": "user", "content": "stream"}], "stream": True}
    ).encode()
    head = f"POST {path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    req = (head + f"content-length: {len(body)}\r\n\r\n").encode() + body
    out = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(n):
            t0 = time.perf_counter()
            s.sendall(req)
            buf = b""
            first = None
            while not buf.endswith(b"0\r\n\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("connection closed mid-stream")
                if first is None and b"data:" in buf + chunk:
                    first = time.perf_counter()
                buf += chunk
            out.append((first - t0) * 1000)
    out.sort()
    return out


EXTRA: list[str] = []


def start_gateway(
    mock_port: int, tmp: Path, workers: int, strict: bool, src: str | None = None
) -> tuple[subprocess.Popen, int, str]:
    from distillguard.gateway.keys import create_key
    from distillguard.gateway.state import StateDB

    state = tmp / "bench.state.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "bench-acct", actor="bench")
    config = tmp / "gateway.toml"
    config.write_text(
        "[limits.key]\nrpm = 1e9\ntpm = 1e12\n[limits.account]\nrpm = 1e9\ntpm = 1e12\n"
        "[limits.cluster]\nrpm = 1e9\ntpm = 1e12\n"
    )
    port = free_port()
    cmd = [PY, "-m", "distillguard", "gateway", "--upstream", f"http://127.0.0.1:{mock_port}"]
    cmd += ["--port", str(port), "--db", str(tmp / "bench.duckdb"), "--state", str(state)]
    cmd += ["--config", str(config), "--workers", str(workers)]
    if strict:
        cmd.append("--strict")
    cmd += EXTRA
    env = None if src is None else {**os.environ, "PYTHONPATH": src}
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    wait_port(port, proc)
    time.sleep(0.5)
    return proc, port, secret


def run_ab(
    mock: subprocess.Popen, mock_port: int, tmp: Path, n: int, old_src: str, rounds: int
) -> dict:
    """Gateways from ``old_src`` and from this tree, alternating, 1 worker each."""
    trees = {"old": old_src, "new": str(ROOT / "src")}
    out: dict[str, list[dict]] = {name: [] for name in trees}
    for r in range(rounds):
        for name, src in trees.items():
            sub = tmp / f"ab-{name}-{r}"
            sub.mkdir()
            gw, port, secret = start_gateway(mock_port, sub, 1, False, src)
            try:
                hdr = {"authorization": f"Bearer {secret}", "content-type": "application/json"}
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                h2load(url, 2000, 4, hdr, tmp)
                pids = [p for p in family(gw.pid) if not is_helper(p)]
                load = os.getloadavg()[0]
                cpu0, m0 = cpu_seconds(pids), cpu_seconds([mock.pid])
                c32 = h2load(url, n, 32, hdr, tmp)
                cpu1, m1 = cpu_seconds(pids), cpu_seconds([mock.pid])
                c1 = h2load(url, n // 4, 1, hdr, tmp)
                cpu2 = cpu_seconds(pids)
            finally:
                stop(gw)
            row = {
                "cpu_us_per_req_c32": (cpu1 - cpu0) / c32["n"] * 1e6,
                "mock_cpu_us_per_req_c32": (m1 - m0) / c32["n"] * 1e6,
                "cpu_us_per_req_c1": (cpu2 - cpu1) / c1["n"] * 1e6,
                "rps_c32": c32["rps"],
                "load_average": round(load, 2),
                "statuses": c32["statuses"],
            }
            out[name].append(row)
            print(
                f"{name}: c32 {row['cpu_us_per_req_c32']:.0f} µs/req "
                f"(mock {row['mock_cpu_us_per_req_c32']:.0f} µs, ratio "
                f"{row['cpu_us_per_req_c32'] / row['mock_cpu_us_per_req_c32']:.2f}), "
                f"c1 {row['cpu_us_per_req_c1']:.0f} µs/req, c32 {row['rps_c32']:.0f} req/s, "
                f"load {row['load_average']}",
                flush=True,
            )
    for name, rows in out.items():
        med = statistics.median
        print(
            f"{name} median over {len(rows)}: c32 "
            f"{med(r['cpu_us_per_req_c32'] for r in rows):.0f} µs/req, ratio to mock "
            f"{med(r['cpu_us_per_req_c32'] / r['mock_cpu_us_per_req_c32'] for r in rows):.2f}, "
            f"c1 {med(r['cpu_us_per_req_c1'] for r in rows):.0f} µs/req"
        )
    return out


def run_parts(repeats: int = 5, n: int = 5000) -> dict:
    """CPU per call of the hot path's stages in this process, no sockets (``--parts``).

    Each figure is the best of ``repeats`` runs of ``n`` calls (``time.thread_time``), so
    other jobs on the machine inflate it least. ``handle`` is the whole request handler
    (model route) with a stand-in upstream that answers at once; ``fetch`` is the upstream
    pool's whole-answer path over a transport that answers in the next loop turn; the rest
    are single stages called alone (in place they cost more: cache misses).
    """
    import asyncio

    import orjson
    import uvloop

    from distillguard.gateway import proxy as proxy_mod
    from distillguard.gateway import server as srv
    from distillguard.gateway.app import GatewayApp
    from distillguard.gateway.config import load_settings
    from distillguard.gateway.keys import create_key
    from distillguard.gateway.mock import MockOptions, MockUpstream
    from distillguard.gateway.state import StateDB
    from distillguard.gateway.upstream import UpstreamPool, _UpstreamConnection

    resp_body = MockUpstream(MockOptions(fixed=True))._fixed_chat
    wire = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n"
    wire = wire % len(resp_body) + resp_body
    tmp = Path(tempfile.mkdtemp(prefix="dg-parts-"))
    state = tmp / "s.sqlite"
    with StateDB(state) as db:
        _, secret = create_key(db, "bench-acct", actor="bench")
    cfg = tmp / "g.toml"
    cfg.write_text(
        "[limits.key]\nrpm = 1e9\ntpm = 1e12\n[limits.account]\nrpm = 1e9\ntpm = 1e12\n"
        "[limits.cluster]\nrpm = 1e9\ntpm = 1e12\n"
    )
    out: dict[str, float] = {}

    def best(fn) -> float:
        fastest = float("inf")
        for _ in range(repeats):
            t0 = time.thread_time()
            for _ in range(n):
                fn()
            fastest = min(fastest, (time.thread_time() - t0) / n * 1e6)
        return fastest

    def drive(coro_fn):
        def run() -> None:
            coro = coro_fn()
            with contextlib.suppress(StopIteration):
                coro.send(None)

        return run

    class NullTransport:
        def write(self, data: bytes) -> None:
            pass

        def get_extra_info(self, key: str) -> object:
            return ("127.0.0.1", 5) if key == "peername" else None

    class InstantPool:
        async def fetch(self, *a: object, **k: object) -> tuple[int, bytes]:
            return 200, resp_body

    class Echo:
        def __init__(self, conn: _UpstreamConnection, loop: asyncio.AbstractEventLoop) -> None:
            self.conn, self.loop = conn, loop

        def write(self, data: bytes) -> None:
            self.loop.call_soon(self.conn.data_received, wire)

        def close(self) -> None:
            pass

    async def main() -> None:
        settings = load_settings(
            cfg,
            upstream_url="http://127.0.0.1:1",
            db_path=str(tmp / "x.duckdb"),
            state_path=str(state),
        )
        app = GatewayApp(settings, live_detection="off", ingest=False)
        await app.policy.start()
        app.sink.start()
        gw = app.gateway
        gw.pool = InstantPool()
        headers = {
            "host": "127.0.0.1",
            "user-agent": "h2load nghttp2/1.52.0",
            "accept": "*/*",
            "authorization": f"Bearer {secret}",
            "content-type": "application/json",
            "content-length": str(len(BODY)),
        }
        req = srv.Request("POST", "/v1/chat/completions", "", headers, BODY, "127.0.0.1")

        async def nothing(r: object, w: object) -> None:
            pass

        conn = srv._HttpConnection(nothing, srv.ServerLimits(), nothing, set())
        conn.connection_made(NullTransport())
        out["handle (whole model route, instant upstream)"] = best(
            drive(lambda: gw.handle(req, srv.ResponseWriter(conn, True)))
        )
        principal = gw._authenticate(req)
        out["authenticate (SHA-256 + lookup)"] = best(lambda: gw._authenticate(req))
        out["request JSON parse + checks"] = best(lambda: gw._parse_body(req, "chat.completions"))

        def policy() -> None:
            gw.policy.admit_nowait(principal, model="mock-gpt", est_tokens=100)
            gw.policy.settle_nowait(principal, used_tokens=90)

        out["admit + settle (5 buckets)"] = best(policy)
        out["response JSON parse"] = best(lambda: orjson.loads(resp_body))
        meta = {"verdict": "allow"}
        frag = orjson.Fragment(resp_body)
        out["exchange record (dict + orjson)"] = best(
            lambda: gw._record(req, "chat.completions", principal, "t", 0.0, 200, frag, meta)
        )
        out["metrics (_count)"] = best(lambda: gw._count("/v1/chat/completions", 200, 0.0))
        out["timestamp"] = best(proxy_mod._now_ts)
        line = b'{"x":1}'
        out["log queue submit"] = best(lambda: app.sink.submit(line))
        app.sink.close()

        raw_req = (
            b"POST /v1/chat/completions HTTP/1.1\r\n"
            + b"".join(f"{k}: {v}\r\n".encode() for k, v in headers.items())
            + b"\r\n"
            + BODY
        )
        parsed = srv._HttpConnection(nothing, srv.ServerLimits(), nothing, set())
        parsed.connection_made(NullTransport())
        parsed._next = lambda: parsed.pending.clear()  # parse only: no task, no handler
        out["HTTP request parse (httptools + callbacks)"] = best(
            lambda: parsed.data_received(raw_req)
        )

        loop = asyncio.get_running_loop()
        pool = UpstreamPool("http://127.0.0.1:9")
        up = _UpstreamConnection(pool)
        up.connection_made(Echo(up, loop))
        pool._all.add(up)
        pool._release(up)
        hdrs = (("content-type", "application/json"),)
        for _ in range(500):
            await pool.fetch("POST", "/v1/chat/completions", hdrs, BODY)
        fastest = float("inf")
        for _ in range(repeats):
            t0 = time.thread_time()
            for _ in range(n):
                await pool.fetch("POST", "/v1/chat/completions", hdrs, BODY)
            fastest = min(fastest, (time.thread_time() - t0) / n * 1e6)
        out["upstream fetch (encode + write + parse + future + loop turn)"] = fastest

    uvloop.new_event_loop().run_until_complete(main())
    shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(k) for k in out)
    for name, us in out.items():
        print(f"{name:{width}s} {us:7.1f} µs")
    print(f"load average: {[round(x, 2) for x in os.getloadavg()]}")
    return out


def run_baseline(mock_port: int, tmp: Path, n: int, direct1: dict, direct32: dict) -> dict:
    """The same load through a minimal aiohttp proxy (bench/gateway_baseline_aiohttp.py)."""
    port = free_port()
    script = ROOT / "bench" / "gateway_baseline_aiohttp.py"
    proc = subprocess.Popen(
        [PY, str(script), f"http://127.0.0.1:{mock_port}", str(port), "k", str(tmp / "b.log")],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
        hdr = {"authorization": "Bearer k", "content-type": "application/json"}
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        h2load(url, 2000, 4, hdr, tmp)
        cpu0 = cpu_seconds([proc.pid])
        c1 = h2load(url, n // 4, 1, hdr, tmp)
        cpu1 = cpu_seconds([proc.pid])
        c32 = h2load(url, n, 32, hdr, tmp)
        cpu2 = cpu_seconds([proc.pid])
    finally:
        stop(proc)
    return {
        "c1": c1,
        "c32": c32,
        "cpu_us_per_req_c1": (cpu1 - cpu0) / c1["n"] * 1e6,
        "cpu_us_per_req_c32": (cpu2 - cpu1) / c32["n"] * 1e6,
        "added_p50_ms_c1": c1["p50_ms"] - direct1["p50_ms"],
        "added_p99_ms_c1": c1["p99_ms"] - direct1["p99_ms"],
        "throughput_ratio_c32": c32["rps"] / direct32["rps"],
    }


def run_litellm(
    binary: str, mock_port: int, tmp: Path, n: int, direct1: dict, direct32: dict
) -> dict:
    """The same load through LiteLLM's proxy (installed in its own venv), 1 worker."""
    import secrets

    port = free_port()
    master = "sk-" + secrets.token_hex(24)
    config = tmp / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        "  - model_name: mock-gpt\n"
        "    litellm_params: {model: openai/mock-gpt, "
        f"api_base: http://127.0.0.1:{mock_port}/v1, api_key: sk-fake}}\n"
        "litellm_settings: {callbacks: [], num_retries: 0, request_timeout: 30, "
        "telemetry: false}\n"
        "general_settings: {master_key: os.environ/LITELLM_MASTER_KEY}\n"
    )
    env = {
        **os.environ,
        "LITELLM_MASTER_KEY": master,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
    }
    proc = subprocess.Popen(
        [binary, "--config", str(config), "--host", "127.0.0.1", "--port", str(port),
         "--num_workers", "1"],
        stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    try:
        for _ in range(1200):  # LiteLLM takes a while to import
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        hdr = {"authorization": f"Bearer {master}", "content-type": "application/json"}
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        h2load(url, 200, 4, hdr, tmp)
        pids = family(proc.pid)
        cpu0 = cpu_seconds(pids)
        c1 = h2load(url, n, 1, hdr, tmp)
        cpu1 = cpu_seconds(pids)
        c32 = h2load(url, n, 32, hdr, tmp)
        cpu2 = cpu_seconds(pids)
    finally:
        stop(proc)
    return {
        "c1": c1,
        "c32": c32,
        "cpu_us_per_req_c1": (cpu1 - cpu0) / max(1, c1["n"]) * 1e6,
        "cpu_us_per_req_c32": (cpu2 - cpu1) / max(1, c32["n"]) * 1e6,
        "added_p50_ms_c1": c1["p50_ms"] - direct1["p50_ms"],
        "added_p99_ms_c1": c1["p99_ms"] - direct1["p99_ms"],
        "throughput_ratio_c32": c32["rps"] / direct32["rps"],
    }


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--ttft-requests", type=int, default=200)
    ap.add_argument("--gateway-arg", action="append", default=[], help="extra gateway flag")
    ap.add_argument("--no-ttft", action="store_true")
    ap.add_argument("--baseline", action="store_true", help="also run a minimal aiohttp proxy")
    ap.add_argument("--litellm", metavar="BIN", help="also run LiteLLM's proxy (its own venv)")
    ap.add_argument("--litellm-requests", type=int, default=1000)
    ap.add_argument("--ab-src", metavar="DIR", help="compare another tree's src/ with this one")
    ap.add_argument("--ab-rounds", type=int, default=3)
    ap.add_argument("--parts", action="store_true", help="CPU per hot-path stage, in process")
    args = ap.parse_args()
    if args.parts:
        run_parts()
        return 0
    EXTRA.extend(args.gateway_arg)
    if shutil.which("h2load") is None:
        raise SystemExit("h2load not found: apt-get install -y nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="dg-bench-"))
    results: dict = {"requests": args.requests, "strict": args.strict, "runs": {}}
    mock_port = free_port()
    results["load_average_start"] = [round(x, 2) for x in os.getloadavg()]
    mock = subprocess.Popen(
        [PY, "-m", "distillguard", "mock-upstream", "--port", str(mock_port), "--fixed"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    stream_port = free_port()
    stream_mock = subprocess.Popen(
        [PY, "-m", "distillguard", "mock-upstream", "--port", str(stream_port),
         "--token-latency-ms", "2"],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_port(mock_port, mock)
        wait_port(stream_port, stream_mock)
        n = args.requests
        if args.ab_src:
            results["ab"] = run_ab(mock, mock_port, tmp, n, args.ab_src, args.ab_rounds)
            (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
            (ROOT / "bench" / "out" / "gateway-ab.json").write_text(json.dumps(results, indent=2))
            shutil.rmtree(tmp, ignore_errors=True)
            return 0
        direct_url = f"http://127.0.0.1:{mock_port}/v1/chat/completions"
        h2load(direct_url, 2000, 4, {}, tmp)  # warm-up
        direct1 = h2load(direct_url, n // 4, 1, {}, tmp)
        direct32 = h2load(direct_url, n, 32, {}, tmp)
        results["direct"] = {"c1": direct1, "c32": direct32}
        if args.baseline:
            results["aiohttp_baseline"] = run_baseline(mock_port, tmp, n, direct1, direct32)
        if args.litellm:
            results["litellm"] = run_litellm(
                args.litellm, mock_port, tmp, args.litellm_requests, direct1, direct32
            )
        for workers in args.workers:
            sub = tmp / f"w{workers}"
            sub.mkdir()
            gw, port, secret = start_gateway(mock_port, sub, workers, args.strict)
            try:
                hdr = {"authorization": f"Bearer {secret}", "content-type": "application/json"}
                url = f"http://127.0.0.1:{port}/v1/chat/completions"
                h2load(url, 2000, 4, hdr, tmp)  # warm-up
                everyone = family(gw.pid)
                pids = [p for p in everyone if not is_helper(p)]
                helpers = [p for p in everyone if is_helper(p)]
                load0 = os.getloadavg()[0]
                cpu0, det0 = cpu_seconds(pids), cpu_seconds(helpers)
                mock0 = cpu_seconds([mock.pid])
                c1 = h2load(url, n // 4, 1, hdr, tmp)
                cpu1 = cpu_seconds(pids)
                per1 = {p: cpu_seconds([p]) for p in pids}
                mock1 = cpu_seconds([mock.pid])
                c32 = h2load(url, n, 32, hdr, tmp)
                per2 = {p: cpu_seconds([p]) for p in pids}
                mock2 = cpu_seconds([mock.pid])
                time.sleep(2.0)  # let the detector catch up before reading its CPU
                cpu2, det2 = cpu_seconds(pids), cpu_seconds(helpers)
                spent = sorted((per2[p] - per1[p] for p in pids), reverse=True)
                run = {
                    "load_average": [round(load0, 2), round(os.getloadavg()[0], 2)],
                    "mock_cpu_us_per_req_c1": (mock1 - mock0) / c1["n"] * 1e6,
                    "mock_cpu_us_per_req_c32": (mock2 - mock1) / c32["n"] * 1e6,
                    # share of the c32 CPU per process (the launcher itself is ~0)
                    "process_cpu_share_c32": [round(x / max(sum(spent), 1e-9), 2) for x in spent],
                    "detector_cpu_us_per_exchange": (det2 - det0) / (c1["n"] + c32["n"]) * 1e6,
                    "c1": c1,
                    "c32": c32,
                    "cpu_us_per_req_c1": (cpu1 - cpu0) / c1["n"] * 1e6,
                    "cpu_us_per_req_c32": (cpu2 - cpu1) / c32["n"] * 1e6,
                    "added_p50_ms_c1": c1["p50_ms"] - direct1["p50_ms"],
                    "added_p99_ms_c1": c1["p99_ms"] - direct1["p99_ms"],
                    "throughput_ratio_c32": c32["rps"] / direct32["rps"],
                    "processes": len(pids),
                }
            finally:
                stop(gw)
            results["runs"][str(workers)] = run
            if args.no_ttft:
                continue
            # streaming TTFT through a gateway in front of the token-delay mock
            (tmp / f"w{workers}s").mkdir()
            gw, port, secret = start_gateway(
                stream_port, tmp / f"w{workers}s", workers, args.strict
            )
            try:
                hdr = {"authorization": f"Bearer {secret}"}
                k = args.ttft_requests
                ttft(stream_port, "/v1/chat/completions", {}, 20)
                ttft(port, "/v1/chat/completions", hdr, 20)
                d = ttft(stream_port, "/v1/chat/completions", {}, k)
                g = ttft(port, "/v1/chat/completions", hdr, k)
                run["ttft_direct_p50_ms"] = statistics.median(d)
                run["ttft_gateway_p50_ms"] = statistics.median(g)
                run["ttft_added_p50_ms"] = statistics.median(g) - statistics.median(d)
            finally:
                stop(gw)
            results["runs"][str(workers)] = run
    finally:
        for p in (mock, stream_mock):
            p.terminate()
            p.wait(10)
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "gateway.json").write_text(json.dumps(results, indent=2))
    d1, d32 = results["direct"]["c1"], results["direct"]["c32"]
    print(
        f"direct: c1 p50 {d1['p50_ms']:.3f} ms p99 {d1['p99_ms']:.3f} ms; "
        f"c32 {d32['rps']:.0f} req/s"
    )
    for name in ("aiohttp_baseline", "litellm"):
        b = results.get(name)
        if not b:
            continue
        print(
            f"{name}: CPU/req {b['cpu_us_per_req_c1']:.0f} µs (c1), "
            f"{b['cpu_us_per_req_c32']:.0f} µs (c32); added p50 {b['added_p50_ms_c1']:.3f} ms, "
            f"added p99 {b['added_p99_ms_c1']:.3f} ms (c1); c32 {b['c32']['rps']:.0f} req/s = "
            f"{b['throughput_ratio_c32']:.0%} of direct"
        )
    for w, r in results["runs"].items():
        print(
            f"gateway workers={w}: CPU/req {r['cpu_us_per_req_c1']:.0f} µs (c1), "
            f"{r['cpu_us_per_req_c32']:.0f} µs (c32), detector "
            f"{r['detector_cpu_us_per_exchange']:.0f} µs/exchange; "
            f"added p50 {r['added_p50_ms_c1']:.3f} ms, "
            f"added p99 {r['added_p99_ms_c1']:.3f} ms (c1); c32 {r['c32']['rps']:.0f} req/s = "
            f"{r['throughput_ratio_c32']:.0%} of direct; TTFT added p50 "
            f"{r.get('ttft_added_p50_ms', float('nan')):.3f} ms; statuses {r['c32']['statuses']}"
        )
        print(
            f"  mock CPU/req {r['mock_cpu_us_per_req_c1']:.0f} µs (c1), "
            f"{r['mock_cpu_us_per_req_c32']:.0f} µs (c32); c32 CPU split by "
            f"process {r['process_cpu_share_c32']}; load average {r['load_average']}"
        )
    print(f"load average at start: {results['load_average_start']}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
