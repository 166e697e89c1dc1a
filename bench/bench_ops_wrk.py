"""Benchmark: position ingest under ``wrk``, against a bare parse-only handler in the same run.

Per protocol (OsmAnd query string, Traccar JSON, OwnTracks HTTP) a Lua script in
``bench/wrk/`` drives 200 keep-alive connections at the real servers — the lean ingest process
of ``pasienis serve-ingest`` and the main app's position routes (one uvicorn worker each,
SQLite file, the group-commit writer) — and then at a bare FastAPI app whose handlers only
parse the same requests (no authentication, no store). The server is pinned to core 0 and ``wrk`` to
core 1 (``taskset``), so the load generator is never the limit. Printed per protocol:
requests/s of both, the ratio ours/bare, p50/p99 latency, and the positions stored against the
2xx answers ``wrk`` counted (stored ≥ accepted; the difference is at most the requests still
in flight when ``wrk`` stopped, whose answers it never read).

With ``--rate R`` all servers see the same offered load below saturation: then the
latencies and the CPU per request compare, not the throughput. By default (``--pacing
rate``) requests are spaced ``1/R`` apart, each taking the next free slot of one schedule
(``bench/wrk/common.lua``), the way independent devices arrive. ``--pacing pause`` is the
earlier harness: each connection pauses ``connections/R`` after every answer — all 200
connections then start together and every batch of answers sends its connections back
together, so the server sees bursts of up to 200 requests (at 800/s the first burst alone is
3% of the requests: it *was* the p99, for the bare handler as for ours).

Each server first gets ``--warmup`` seconds of the same load, not measured (the device cache,
SQLAlchemy's compiled statements and the connection pool fill then; the stored-vs-accepted
count includes them). For the ingest process the writer's own statistics of the measured
run are printed as well (``PositionWriter.stats``: batch sizes, the per-request wait for the
batch's commit, commit durations, WAL checkpoints).

Run: ``python bench/bench_ops_wrk.py [--seconds 10] [--connections 200] [--devices 200]
[--rate 800] [--pacing rate|pause] [--warmup 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from bench_ops import free_port
from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.ops import service
from pasienis.store import open_store, upgrade

HERE = Path(__file__).parent
PROTOCOLS = {"osmand": "osmand", "traccar_json": "traccar-json", "owntracks": "owntracks"}
UVICORN = (
    "import uvicorn\n{app}\n"
    "uvicorn.run(app, host='127.0.0.1', port={port}, log_level='warning', access_log=False,"
    " loop='uvloop', http='httptools', timeout_keep_alive=60)\n"
)
#: The servers measured against the bare handler: the lean ingest process that
#: ``pasienis serve-ingest`` runs (collector tuned, as the command does) and the main app.
SERVERS = {
    "ingest": "from pasienis.api.ingest_app import create_ingest_app\n"
    "app = create_ingest_app(tune_gc=True)\n"
    f"import sys\nsys.path.insert(0, {str(HERE)!r})\n"
    "from bench_ops_wrk import with_writer_stats\napp = with_writer_stats(app)",
    "api": "from pasienis.api import create_app\napp = create_app()",
}
PROBE = {"ingest": "/api/health", "api": "/api/health", "bare": "/openapi.json"}
BARE = """
import base64, json
from fastapi import FastAPI, Request, Response
app = FastAPI()
KEYS = ("lat", "lon", "speed", "bearing", "timestamp")

@app.get("/api/positions/osmand/{key}")
async def osmand(key: str, request: Request) -> Response:
    q = request.query_params
    fix = {k: float(q[k]) for k in KEYS}
    return Response(status_code=200)

@app.post("/api/positions/osmand/{key}")
async def traccar_json(key: str, request: Request) -> Response:
    body = json.loads(await request.body())
    coords = body["location"]["coords"]
    fix = (body["device_id"], float(coords["latitude"]), float(coords["longitude"]))
    return Response(status_code=200)

@app.post("/api/positions/owntracks")
async def owntracks(request: Request) -> list:
    user, _, secret = base64.b64decode(request.headers["authorization"][6:]).partition(b":")
    body = json.loads(await request.body())
    fix = (user, float(body["lat"]), float(body["lon"]), int(body["tst"]))
    return []
"""


STATS_PATH = "/bench/writer-stats"


def with_writer_stats(app: Any) -> Any:
    """The ingest app, plus ``GET /bench/writer-stats`` (its writer's statistics as JSON;
    ``?reset=1`` starts them afresh) — for this benchmark only, never in the served app."""

    async def wrapped(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != STATS_PATH:
            await app(scope, receive, send)
            return
        stats = getattr(app.ops.writer, "stats", None)  # absent before the writer had them
        body = json.dumps(stats.snapshot() if stats is not None else {}).encode()
        if stats is not None and b"reset=1" in scope.get("query_string", b""):
            stats.reset()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return wrapped


def writer_stats(url: str, *, reset: bool = False) -> dict[str, Any]:
    import urllib.request

    query = "?reset=1" if reset else ""
    with urllib.request.urlopen(f"{url}{STATS_PATH}{query}", timeout=10) as answer:  # noqa: S310
        return dict(json.loads(answer.read()))


def prepare(db: Path, n: int) -> None:
    """``n`` units, each with device ``d<i>`` and secret ``bench-secret-<i>``."""
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    upgrade(store)
    with store.begin() as conn:
        for i in range(n):
            unit = service.add_unit(conn, call_sign=f"W{i:04d}")
            service.add_device(
                conn, device_id=f"d{i}", unit_ref=unit["call_sign"], secret=f"bench-secret-{i}"
            )
    store.dispose()


def serve(
    app_code: str, env: dict[str, str], core: int, probe: str
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    code = UVICORN.format(app=app_code, port=port)
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import os\nos.sched_setaffinity(0, {{{core}}})\n{code}"],
        env={**os.environ, **env},
    )
    return proc, wait_serving(proc, f"http://127.0.0.1:{port}", probe)


def wait_serving(proc: subprocess.Popen[bytes], url: str, probe: str, wait_s: float = 120.0) -> str:
    """``url`` once ``probe`` answers (a loaded machine can take a minute to import the app);
    the server is killed and the benchmark stops when it exits or does not answer in time."""
    import urllib.request

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}{probe}", timeout=1):  # noqa: S310 - local
                return url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("server did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_wrk(
    url: str, script: str, args: argparse.Namespace, env: dict[str, str], pid: int,
    seconds: int | None = None,
) -> dict:  # fmt: skip
    cpu0 = cpu_seconds(pid)
    out = subprocess.run(  # noqa: S603 - wrk from the Debian package
        [  # noqa: S607
            "taskset",
            "-c",
            str(args.wrk_core),
            "wrk",
            "-t1",
            f"-c{args.connections}",
            f"-d{seconds or args.seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(HERE / "wrk" / script),
            url,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    result["rate"] = result["requests"] / (result["duration_us"] / 1e6)
    # CPU per answered request: what the throughput on a core of one's own would be, and
    # far less disturbed than requests/s when other work shares the machine.
    result["cpu_us"] = 1e6 * (cpu_seconds(pid) - cpu0) / max(1, result["requests"])
    return result


def stored(db: Path, source: str) -> int:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT count(*) FROM ops_positions WHERE source = ?", (source,))
        return int(row.fetchone()[0])


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(30)


def bench_env(tmp: str, db: Path, args: argparse.Namespace) -> dict[str, str]:
    """The environment of the servers and of ``wrk`` (the Lua scripts read theirs)."""
    env = {
        "PASIENIS_DATA_DIR": tmp,
        "PASIENIS_DATABASE_URL": f"sqlite:///{db}",
        "PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600",
        "BENCH_LUA_DIR": str(HERE / "wrk"),
        "BENCH_DEVICES": str(args.devices),
        "BENCH_THREADS": "1",
        "BENCH_T0": str(int(time.time()) - 10 * 86400),
    }
    if args.rate > 0 and args.pacing == "pause":
        env["BENCH_DELAY_MS"] = str(round(args.connections * 1000 / args.rate))
        print(
            f"paced: {args.rate:.0f} requests/s offered over {args.connections} connections, "
            f"each pausing {env['BENCH_DELAY_MS']} ms after every answer (bursts)"
        )
    elif args.rate > 0:
        env["BENCH_RATE"] = f"{args.rate:g}"
        print(
            f"paced: {args.rate:.0f} requests/s offered over {args.connections} connections, "
            f"spaced {1000 / args.rate:.2f} ms apart"
        )
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--wrk-core", type=int, default=1)
    parser.add_argument("--protocols", default=",".join(PROTOCOLS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", default="ingest,api", help="of: " + ",".join(SERVERS))
    parser.add_argument(
        "--pacing",
        choices=("rate", "pause"),
        default="rate",
        help="with --rate: evenly spaced requests (rate) or a pause after every answer on "
        "each connection (pause: the earlier harness, bursty)",
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unmeasured load first, per server"
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=0.0,
        help="offered load in requests/s (paced by wrk's delay(), see --pacing): latency "
        "below saturation; 0 = as fast as the server answers",
    )
    args, _ = parser.parse_known_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        raise SystemExit("needs wrk and taskset: apt-get install -y wrk util-linux")
    if len(os.sched_getaffinity(0)) < 2:
        raise SystemExit("needs two cores: the server on one, wrk on the other")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        install_model(Settings(data_dir=Path(tmp)))
        prepare(db, args.devices)
        env = bench_env(tmp, db, args)
        servers = [name for name in args.servers.split(",") if name]
        unknown = set(servers) - set(SERVERS)
        if unknown:
            raise SystemExit(f"unknown servers {sorted(unknown)}: choose from {sorted(SERVERS)}")
        for script, source in PROTOCOLS.items():
            if script not in args.protocols.split(","):
                continue
            runs: dict[str, list[dict]] = {name: [] for name in [*servers, "bare"]}
            for _ in range(args.rounds):  # interleaved, so all see the same machine
                for name in [*servers, "bare"]:
                    code = SERVERS.get(name, BARE)
                    proc, url = serve(code, env, args.server_core, PROBE[name])
                    try:
                        runs[name].append(measure(name, url, f"{script}.lua", args, env, proc.pid))
                    finally:
                        stop(proc)
            count = stored(db, source)
            accepted = sum(
                r["accepted"] + r["warmup_accepted"] for name in servers for r in runs[name]
            )
            for name in servers:
                report(f"{script} [{name}]", runs[name], runs["bare"])
            print(
                f"{script}: accepted {accepted}, stored {count} "
                f"(in flight at the cut-offs: {count - accepted})",
                flush=True,
            )
            if count < accepted:
                print(f"LOST: {accepted - count} fixes answered 2xx are not stored")


def measure(
    name: str, url: str, script: str, args: argparse.Namespace, env: dict[str, str], pid: int
) -> dict:
    """One measured ``wrk`` run after ``--warmup`` seconds of the same load."""
    warm = {"accepted": 0, "p99_ms": 0.0}
    if args.warmup > 0:
        warm = run_wrk(url, script, args, env, pid, seconds=args.warmup)
    if name == "ingest":
        writer_stats(url, reset=True)
    result = run_wrk(url, script, args, env, pid)
    result["warmup_accepted"] = warm["accepted"]
    result["warmup_p99_ms"] = warm["p99_ms"]
    if name == "ingest":
        result["writer"] = writer_stats(url)
    return result


def describe_writer(stats: dict[str, Any]) -> str:
    if not stats:
        return "no writer statistics (a writer without them)"
    hist = {k: v for k, v in stats.items() if isinstance(v, dict)}
    batch, wait, queued = hist["batch_size"], hist["wait_ms"], hist["queued_ms"]
    commit, ckpt, catch = hist["commit_ms"], hist["checkpoint_ms"], hist["catch_up_ms"]
    return (
        f"{batch['count']} batches (size mean {batch['mean']:.1f}, max {batch['max']:.0f}; "
        f"{stats['inline']} on the loop, {stats['threaded']} in a thread); commit mean "
        f"{commit['mean']:.2f} ms, p99 <= {commit['p99']:g} ms, max {commit['max']:.1f} ms; "
        f"per-request wait mean {wait['mean']:.2f} ms, p50 <= {wait['p50']:g}, p99 <= "
        f"{wait['p99']:g}, max {wait['max']:.1f} ms (of it before its batch began: mean "
        f"{queued['mean']:.2f} ms, max {queued['max']:.1f}); {ckpt['count']} checkpoint passes "
        f"(max {ckpt['max']:.1f} ms, WAL at most {stats['wal_frames_max']} frames), "
        f"{catch['count']} catch-ups between batches (max {catch['max']:.1f} ms, "
        f"{stats['catch_up_incomplete']} incomplete); wait buckets {wait['buckets']}"
    )


def report(script: str, ours: list[dict], bare: list[dict]) -> None:
    for n, (got, ref) in enumerate(zip(ours, bare, strict=True)):
        print(
            f"{script} round {n + 1}: ours {got['rate']:.0f} req/s (p50 {got['p50_ms']:.1f} ms, "
            f"p99 {got['p99_ms']:.1f} ms, {got['cpu_us']:.0f} us CPU/request); bare parse-only "
            f"{ref['rate']:.0f} req/s (p50 {ref['p50_ms']:.1f} ms, p99 {ref['p99_ms']:.1f} ms, "
            f"{ref['cpu_us']:.0f} us CPU/request); throughput ratio "
            f"{got['rate'] / ref['rate']:.2f}, CPU ratio bare/ours "
            f"{ref['cpu_us'] / got['cpu_us']:.2f}"
            f"; refused {got['refused']}, other {got['other']}, socket errors "
            f"{got['socket_errors']}; warm-up p99 ours {got['warmup_p99_ms']:.1f} ms, bare "
            f"{ref['warmup_p99_ms']:.1f} ms",
            flush=True,
        )
        if "writer" in got:
            print(f"{script} round {n + 1} writer: {describe_writer(got['writer'])}", flush=True)
    rates = sorted(g["rate"] / r["rate"] for g, r in zip(ours, bare, strict=True))
    cpus = sorted(r["cpu_us"] / g["cpu_us"] for g, r in zip(ours, bare, strict=True))
    print(
        f"{script}: throughput ratio {rates[0]:.2f}..{rates[-1]:.2f}, CPU ratio "
        f"{cpus[0]:.2f}..{cpus[-1]:.2f} over {len(rates)} rounds",
        flush=True,
    )


if __name__ == "__main__":
    main()
