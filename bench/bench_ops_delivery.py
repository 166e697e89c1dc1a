"""Benchmark: task delivery to 1,000 connected WebSocket devices, with a load generator that
is not the limit.

The server (``create_app()``, one uvicorn worker, uvloop + httptools, SQLite file) is pinned to
one core; the load generator — one Node.js process, ``bench/ws/delivery.mjs``, a minimal
WebSocket client on ``net`` with no dependencies — to the other. All devices connect and say
hello; then one task per unit is created over ``POST /api/tasks`` at ``--rate`` tasks/s, and
each device acknowledges what it receives. Printed: p50/p99 from the POST being sent to the
device receiving the task (task creation to receipt, including the POST itself), the POST's
own p50/p99, delivered/created, and the CPU share of both processes over the task phase: the
load generator's share of its core shows it was not the limit.

Run: ``python bench/bench_ops_delivery.py [--devices 1000] [--rate 10] [--tasks 300] [--rounds 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_ops import free_port
from bench_ops_wrk import cpu_seconds, wait_serving
from pasienis.config import Settings
from pasienis.model import install_model
from pasienis.ops import service
from pasienis.security import Role
from pasienis.security.credentials import create_token
from pasienis.security.users import create_user
from pasienis.store import open_store, upgrade

HERE = Path(__file__).parent
SECRET = "bench-secret"  # noqa: S105 - a throw-away secret of the benchmark devices
SERVER = (
    "import os\nos.sched_setaffinity(0, {{{core}}})\nimport uvicorn\n"
    "from pasienis.api import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning',"
    " access_log=False, loop='uvloop', http='httptools',"
    " ws_ping_interval=None, timeout_keep_alive=60, backlog=4096)\n"
)


def prepare(db: Path, n: int) -> str:
    """``n`` units ``B<i>`` with device ``d<i>`` (SHA-256 secret) and a dispatcher's token."""
    store = open_store(Settings(database_url=f"sqlite:///{db}"))
    upgrade(store)
    with store.begin() as conn:
        for i in range(n):
            service.add_unit(conn, call_sign=f"B{i}")
            service.add_device(conn, device_id=f"d{i}", unit_ref=f"B{i}", secret=SECRET)
        user = create_user(conn, name="bench-dispatcher", roles=[Role.dispatcher])
        token = create_token(conn, user_id=user.id).secret
    store.dispose()
    return token


def serve(env: dict[str, str], core: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", SERVER.format(core=core, port=port)], env={**os.environ, **env}
    )
    return proc, wait_serving(proc, f"http://127.0.0.1:{port}", "/api/health")


def run_round(url: str, token: str, args: argparse.Namespace, server_pid: int) -> dict:
    command = ["taskset", "-c", str(args.client_core), "node", str(HERE / "ws" / "delivery.mjs")]
    options = {"url": url, "token": token, "devices": args.devices, "rate": args.rate,
               "tasks": args.tasks or args.devices}  # fmt: skip
    for name, value in {**options, "secret": SECRET}.items():
        command += [f"--{name}", str(value)]
    node = subprocess.Popen(  # noqa: S603 - node and our own script
        command,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert node.stdout is not None
    cpu0 = cpu_seconds(server_pid)
    connected = node.stdout.readline()  # "CONNECTED": all devices were welcomed
    cpu1 = cpu_seconds(server_pid)
    out, _ = node.communicate(timeout=600)
    if node.returncode != 0 or not connected.startswith("CONNECTED"):
        raise SystemExit(f"the load generator failed: {connected}{out[-2000:]}")
    line = next(x for x in out.splitlines() if x.startswith("DELIVERY_JSON "))
    result = json.loads(line.removeprefix("DELIVERY_JSON "))
    # Server CPU while the devices connected, and over the task phase (a share of its core).
    result["server_connect_cpu_s"] = cpu1 - cpu0
    result["server_cpu_s"] = cpu_seconds(server_pid) - cpu1
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=10.0, help="tasks created per second")
    parser.add_argument("--tasks", type=int, default=300, help="tasks (0: one per unit)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    args, _ = parser.parse_known_args()
    if shutil.which("node") is None or shutil.which("taskset") is None:
        raise SystemExit("needs node (v18+) and taskset")
    for n in range(args.rounds):
        with tempfile.TemporaryDirectory() as tmp:  # a fresh store per round: one task per unit
            db = Path(tmp) / "bench.db"
            install_model(Settings(data_dir=Path(tmp)))
            token = prepare(db, args.devices)
            env = {
                "PASIENIS_DATA_DIR": tmp,
                "PASIENIS_DATABASE_URL": f"sqlite:///{db}",
                "PASIENIS_OPS_ESCALATION_INTERVAL_S": "3600",
            }
            proc, url = serve(env, args.server_core)
            try:
                r = run_round(url, token, args, proc.pid)
            finally:
                proc.terminate()
                proc.wait(30)
        print(
            f"round {n + 1}: {r['delivered']}/{r['tasks']} tasks delivered to {r['connected']}"
            f" connected devices at {r['rate']:.0f} tasks/s; task POST sent -> device receipt"
            f" p50 {r['post_to_receipt_p50_ms']:.1f} ms, p99 {r['post_to_receipt_p99_ms']:.1f}"
            f" ms, max {r['post_to_receipt_max_ms']:.1f} ms; POST answered p50"
            f" {r['answer_p50_ms']:.1f} ms, p99 {r['answer_p99_ms']:.1f} ms; errors"
            f" {r['errors']}; load generator CPU {r['client_cpu_s']:.2f} s over a"
            f" {r['phase_s']:.1f} s task phase ({100 * r['client_cpu_share']:.0f}% of its core;"
            f" connecting took {r['connect_s']:.1f} s); server CPU {r['server_cpu_s']:.1f} s over"
            f" the task phase ({100 * r['server_cpu_s'] / r['phase_s']:.0f}% of its core),"
            f" {r['server_connect_cpu_s']:.1f} s while the devices connected",
            flush=True,
        )
        if r["delivered"] < r["tasks"]:
            print(f"NOT DELIVERED: {r['tasks'] - r['delivered']} tasks")


if __name__ == "__main__":
    main()
