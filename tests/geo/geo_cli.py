"""Run the ``pasienis`` command line in a subprocess, as an administrator would."""

from __future__ import annotations

import os
import subprocess
import sys


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``pasienis ARGS...`` with this interpreter; returns the finished process."""
    command = [sys.executable, "-c", "from pasienis.cli import main; main()", *args]
    return subprocess.run(
        command, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
