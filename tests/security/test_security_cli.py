"""``pasienis users`` and ``pasienis audit`` as an administrator runs them (real subprocess)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path


def run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PASIENIS_DATA_DIR": str(data_dir)}
    env.pop("PASIENIS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", "from pasienis.cli import main; main()", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_users_and_audit_commands(tmp_path: Path) -> None:
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    first = run(["users", "bootstrap-admin"], tmp_path)
    assert first.returncode == 0, first.stderr
    password = first.stdout.split("password: ")[1].strip()
    assert len(password) >= 16
    again = run(["users", "bootstrap-admin"], tmp_path)
    assert "password" not in again.stdout  # never a second password, never a default one
    added = run(["users", "add", "ana", "--role", "analyst"], tmp_path)
    assert added.returncode == 0, added.stderr
    assert run(["users", "add", "ana", "--role", "analyst"], tmp_path).returncode == 1
    bad_role = run(["users", "add", "x", "--role", "king"], tmp_path)
    assert bad_role.returncode != 0
    token = run(["users", "token", "ana"], tmp_path).stdout.strip()
    assert token.startswith("pst_")
    assert token not in (tmp_path / "pasienis.db").read_bytes().decode("latin-1")
    listed = run(["users", "list"], tmp_path).stdout
    assert "admin" in listed
    assert "analyst" in listed
    assert run(["users", "grant", "ana", "border"], tmp_path).returncode == 0

    verified = run(["audit", "verify"], tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert "4 entries verified" in verified.stdout  # bootstrap, add, token, grant
    found = [json.loads(line) for line in run(["audit", "search", "--action", "user.create"],
                                              tmp_path).stdout.splitlines()]  # fmt: skip
    assert [e["detail"]["user"] for e in found] == ["ana"]

    with sqlite3.connect(tmp_path / "pasienis.db") as db:
        db.execute("UPDATE audit_log SET action = 'nothing' WHERE seq = 2")
    broken = run(["audit", "verify"], tmp_path)
    assert broken.returncode == 1
    assert "broken at entry 2" in broken.stderr
    assert "Traceback" not in broken.stderr


def test_link_an_oidc_identity_and_token_expiry(tmp_path: Path) -> None:
    """``users link-oidc`` links (iss, sub); ``users token`` never outlives the setting."""
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    assert run(["users", "add", "ana", "--role", "analyst"], tmp_path).returncode == 0
    linked = run(
        ["users", "link-oidc", "ana", "sub-123", "--issuer", "https://idp.example/"], tmp_path
    )
    assert linked.returncode == 0, linked.stderr
    no_issuer = run(["users", "link-oidc", "ana", "sub-9"], tmp_path)
    assert no_issuer.returncode != 0
    assert run(["users", "token", "ana", "--days", "5000"], tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "pasienis.db") as db:
        identity = db.execute("SELECT issuer, subject FROM user_identities").fetchall()
        span = db.execute(
            "SELECT julianday(expires_at) - julianday(created_at) FROM api_tokens"
        ).fetchone()[0]
    assert identity == [("https://idp.example", "sub-123")]
    assert round(span) == 90
