"""The graph API measured the way it is served, for ``bench_graph.py``.

* The server: the app as ``pasienis serve`` builds it (``create_app(tune_gc=True)`` on an
  SQLite file — a reference tree without ``tune_gc`` is built as it was —,
  uvicorn with its defaults — uvloop and httptools when installed —, access-log redaction),
  serving the benchmark's synthetic projection (``GraphService.use``: no store build of 5M
  edges), in a child process pinned to one core.
* A bare handler in the same run: a FastAPI app with one route that returns a small JSON
  answer (no authentication, no store), served the same way on the same core — the cost of
  HTTP, uvicorn and FastAPI alone.
* The client: this file run as a script, in its own process pinned to the other core;
  ``http.client`` keep-alive connections, one request at a time (latency, not throughput).
  It reports each request's wall time, its own CPU time (to show it is not the limit) and
  the server's CPU time (every thread's, from ``/proc/<pid>/task/*/schedstat``, ns).

The client is driven by chunks (``start stop`` on stdin, one JSON line back), so the caller
can interleave API chunks with NetworkX chunks in the same minutes.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench_ops import free_port
from bench_ops_wrk import wait_serving

HERE = Path(__file__).parent
#: The expansion's body (the chart's query) — the NetworkX reference writes the same filter.
EXPAND = {"depth": 2, "max_nodes": 200, "per_node": 25,
          "relations": ["ownership", "directorship", "drove", "shares_phone"],
          "min_weight": 2}  # fmt: skip
FLOOR = "/api/graph/cotravel?limit=1"  # authenticated, audited, one small query, empty answer
BARE_PATH = "/bare"

SERVER = """
import os, sys
import numpy as np
sys.path.insert(0, {here!r})
from pathlib import Path
from bench_graph import build_ours
from pasienis.api import create_app
from pasienis.api.access_log import install_access_log_redaction
from pasienis.config import Settings
from pasienis.graph import GraphService
import inspect, uvicorn
cfg = Settings(data_dir=Path({data_dir!r}))
# What `pasienis serve` runs (an older tree, the A/B reference, may not tune the collector).
served = {{"tune_gc": True}} if "tune_gc" in inspect.signature(create_app).parameters else {{}}
app = create_app(cfg, **served)
svc = GraphService(app.state.store, shared_cap=cfg.graph_shared_value_max,
                   refresh_interval=cfg.graph_refresh_interval_s)
svc.use(build_ours(dict(np.load({npz!r}))))
app.state.graph = svc
del np
install_access_log_redaction()
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""

BARE = """
import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response
app = FastAPI()

@app.get({path!r})
async def bare() -> Response:
    return Response(b'{{"ok":true}}', media_type="application/json")

uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


def start_server(
    code: str, core: int, probe: str, wait_s: float = 900.0, src: str | None = None
) -> tuple[Any, str]:
    """``code`` (with a ``{port}`` field) in a child pinned to ``core``; waits for ``probe``.
    ``src``: a source tree put first on the child's path (the A/B reference, e.g. main's)."""
    port = free_port()
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        ["taskset", "-c", str(core), sys.executable, "-c", code.format(port=port)],  # noqa: S607
        env=env,
    )
    # The server builds the 1M / 5M projection first: ``wait_s`` is long.
    return proc, wait_serving(proc, f"http://127.0.0.1:{port}", probe, wait_s)


def api_server(data_dir: str, npz: str, core: int, src: str | None = None) -> tuple[Any, str]:
    return start_server(SERVER.replace("{here!r}", repr(str(HERE)))
                        .replace("{data_dir!r}", repr(data_dir)).replace("{npz!r}", repr(npz)),
                        core, "/api/health", src=src)  # fmt: skip


def bare_server(core: int) -> tuple[Any, str]:
    return start_server(BARE.replace("{path!r}", repr(BARE_PATH)), core, BARE_PATH, 120.0)


class Client:
    """The client process (this file as a script), pinned to ``core``."""

    def __init__(self, core: int, args: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            ["taskset", "-c", str(core), sys.executable, __file__, json.dumps(args)],  # noqa: S607
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip

    def run(self, start: int, stop: int) -> dict[str, list[float]]:
        assert self.proc.stdin
        assert self.proc.stdout
        self.proc.stdin.write(f"{start} {stop}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("client died")
        return dict(json.loads(line))

    def close(self) -> None:
        assert self.proc.stdin
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# --- the client process ---------------------------------------------------------------------
def server_cpu_ns(pid: int) -> int:
    """CPU time of every thread of ``pid`` so far (ns; threads that ended are not counted)."""
    total = 0
    for task in os.scandir(f"/proc/{pid}/task"):
        try:
            with open(f"{task.path}/schedstat") as f:  # noqa: PTH123 - hot loop, plain open
                total += int(f.read().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total


def _timed(out: dict, kind: str, conn: Any, pid: int, method: str, url: str,
           body: bytes | None = None, headers: dict | None = None) -> None:  # fmt: skip
    """One request: wall time, the client's CPU time, the server's CPU time, answer size."""
    s0, c0 = server_cpu_ns(pid), time.thread_time()
    t0 = time.perf_counter()
    conn.request(method, url, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    t1 = time.perf_counter()
    c1 = time.thread_time()
    s1 = server_cpu_ns(pid)
    if r.status not in ((200, 404) if kind.startswith("path") else (200,)):
        raise SystemExit(f"{kind}: {r.status} {data[:300]!r}")
    for k, v in (("", t1 - t0), ("_client_cpu", c1 - c0), ("_server_cpu", (s1 - s0) / 1e9),
                 ("_bytes", len(data))):  # fmt: skip
        out.setdefault(kind + k, []).append(v)


class _Api:
    """One served app: its keep-alive connection, pid, token and the kinds' suffix."""

    def __init__(self, url: str, pid: int, token: str, suffix: str) -> None:
        self.url, self.pid, self.suffix = url.removeprefix("http://"), pid, suffix
        self.auth = {"Authorization": f"Bearer {token}"}
        self.jauth = {**self.auth, "Content-Type": "application/json"}
        self.conn: Any = None

    def connect(self, warm: bytes) -> None:
        """A fresh connection, used once untimed: uvicorn closes one idle for 5 s (its
        default), as the NetworkX chunk between two API chunks may take."""
        if self.conn is not None:
            self.conn.close()
        self.conn = http.client.HTTPConnection(self.url, timeout=120)
        self.conn.request("POST", "/api/graph/expand", body=warm, headers=self.jauth)
        self.conn.getresponse().read()

    def round(self, out: dict, a: str, b: str) -> None:
        """The floor, the expansion from ``a`` and the path ``a`` → ``b``."""
        sfx, c, pid = self.suffix, self.conn, self.pid
        _timed(out, "floor" + sfx, c, pid, "GET", FLOOR, headers=self.auth)
        body = json.dumps({**EXPAND, "ids": [a]}).encode()
        _timed(out, "expand" + sfx, c, pid, "POST", "/api/graph/expand", body, self.jauth)
        _timed(out, "path" + sfx, c, pid, "GET", f"/api/graph/path?source={a}&target={b}",
               headers=self.auth)  # fmt: skip


def _client(args: dict[str, Any]) -> None:
    seeds = np.load(args["seeds"])
    apis = [_Api(args["api"], args["api_pid"], args["token"], "")]
    if args.get("ref"):
        apis.append(_Api(args["ref"], args["ref_pid"], args["ref_token"], "_ref"))
    bare_url = args["bare"].removeprefix("http://")
    warm = json.dumps({**EXPAND, "ids": [f"n{seeds[0]}"]}).encode()
    # Not timed: the first query of a grant set computes its visibility masks (once per
    # server and import), and the first requests warm the caches (as in bench_graph).
    for _ in range(3):
        for api in apis:
            api.connect(warm)
    for line in sys.stdin:
        start, stop = map(int, line.split())
        for api in apis:
            api.connect(warm)
        bare = http.client.HTTPConnection(bare_url, timeout=120)
        bare.request("GET", BARE_PATH)
        bare.getresponse().read()
        out: dict[str, list[float]] = {}
        for i in range(start, stop):
            a, b = f"n{seeds[i]}", f"n{seeds[-1 - i]}"
            _timed(out, "bare", bare, args["bare_pid"], "GET", BARE_PATH)
            # A/B: the same requests to both, which goes first alternating by round.
            for api in apis if i % 2 == 0 else apis[::-1]:
                api.round(out, a, b)
        bare.close()
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    _client(json.loads(sys.argv[1]))
