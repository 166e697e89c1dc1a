"""A real server process for the ops fault test: uvicorn in a subprocess on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

SERVER_CODE = (
    "import uvicorn\n"
    "from pasienis.api import create_app\n"
    "uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_level='warning',"
    " ws_ping_interval=None)\n"
)
#: The position-ingest-only process, as ``pasienis serve-ingest`` runs it (collector tuned).
INGEST_CODE = (
    "import uvicorn\n"
    "from pasienis.api.ingest_app import create_ingest_app\n"
    "uvicorn.run(create_ingest_app(tune_gc=True), host='127.0.0.1', port={port},"
    " log_level='warning', loop='uvloop', http='httptools')\n"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """Start, SIGKILL and restart one uvicorn process serving ``create_app()`` (or ``code``)."""

    def __init__(
        self, *, data_dir: Path, database_url: str, env: dict[str, str], code: str = SERVER_CODE
    ) -> None:
        self.port = free_port()
        self.code = code
        self.env = {
            **os.environ,
            "PASIENIS_DATA_DIR": str(data_dir),
            "PASIENIS_DATABASE_URL": database_url,
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> None:
        code = self.code.format(port=self.port)
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code], env=self.env, stdout=log, stderr=log
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=1):  # noqa: S310 - local test server
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not come up")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no flushing — the hard case."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
