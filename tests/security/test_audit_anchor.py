"""Issue 11 #17: cutting off the tail of the audit log and rewriting the head is detected.

Without an anchor the shorter chain is perfect (the second test shows it); the anchor file,
written outside the database and signed, remembers the head and names the truncation.
"""

from __future__ import annotations

import asyncio
import json
import socket
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from test_audit_chain import fill
from tests.conftest import run_async
from typer.testing import CliRunner

from pasienis.config import Settings
from pasienis.security import verify_chain
from pasienis.security.anchor import (
    AnchorConfig,
    anchoring,
    check_anchor,
    read_anchors,
    write_anchor,
)
from pasienis.security.errors import AuditAnchorError
from pasienis.security.models import audit_head, audit_log
from pasienis.store import Store


def truncate_and_rewrite_head(store: Store, keep: int) -> None:
    """The attack: delete the last entries and make the head agree with what is left."""
    with store.begin() as conn:
        conn.execute(delete(audit_log).where(audit_log.c.seq > keep))
        last = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == keep)).scalar()
        conn.execute(update(audit_head).values(seq=keep, hash=last))


def config(tmp_path: Path, **kw: object) -> AnchorConfig:
    return AnchorConfig(directory=tmp_path / "anchors", key=b"k" * 32, **kw)  # type: ignore[arg-type]


def test_truncation_with_a_rewritten_head_is_caught_by_the_anchor(
    store: Store, tmp_path: Path
) -> None:
    fill(store, 6)
    cfg = config(tmp_path)
    anchor = write_anchor(store, cfg)
    assert anchor.seq == 6
    assert check_anchor(store, cfg).ok
    truncate_and_rewrite_head(store, keep=4)
    assert verify_chain(store).ok  # the chain alone cannot tell
    checked = check_anchor(store, cfg)
    assert not checked.ok
    assert "ends at entry 4" in str(checked.reason)
    assert "recorded entry 6" in str(checked.reason)


def test_a_rewritten_tail_differs_from_the_anchor(store: Store, tmp_path: Path) -> None:
    fill(store, 3)
    cfg = config(tmp_path)
    write_anchor(store, cfg)
    truncate_and_rewrite_head(store, keep=2)
    fill(store, 2)  # new entries 3 and 4 replace the old 3: the chain is valid again
    assert verify_chain(store).ok
    checked = check_anchor(store, cfg)
    assert not checked.ok
    assert "entry 3 differs" in str(checked.reason)


def test_a_forged_or_altered_anchor_is_refused(store: Store, tmp_path: Path) -> None:
    fill(store, 2)
    cfg = config(tmp_path)
    write_anchor(store, cfg)
    line = json.loads(cfg.path.read_text())
    line["seq"] = 1  # pretend the log was shorter
    with cfg.path.open("a") as out:
        out.write(json.dumps(line) + "\n")
    with pytest.raises(AuditAnchorError, match="line 2: the signature does not match"):
        check_anchor(store, cfg)
    wrong_key = AnchorConfig(directory=cfg.directory, key=b"other")
    with pytest.raises(AuditAnchorError, match="line 1"):
        read_anchors(wrong_key)


def test_the_anchor_goes_to_syslog_too(store: Store, tmp_path: Path) -> None:
    fill(store, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as log_host:
        log_host.bind(("127.0.0.1", 0))
        log_host.settimeout(10)
        port = log_host.getsockname()[1]
        anchor = write_anchor(store, config(tmp_path, syslog=f"127.0.0.1:{port}"))
        message = log_host.recv(4096).decode()
    assert "pasienis audit anchor" in message
    assert anchor.hash in message


def test_the_server_anchors_periodically(sqlite_store: Store, tmp_path: Path) -> None:
    fill(sqlite_store, 2)
    settings = Settings(
        data_dir=tmp_path, audit_anchor_interval_s=0.05, audit_anchor_dir=tmp_path / "a"
    )
    cfg = AnchorConfig.from_settings(settings)

    async def serve_until_anchored() -> None:
        async with anchoring(sqlite_store, settings):
            for _ in range(400):  # a bound on waiting, not a timing assertion
                if cfg.path.exists() and cfg.path.read_text().strip():
                    return
                await asyncio.sleep(0.05)

    run_async(serve_until_anchored())
    assert [a.seq for a in read_anchors(cfg)][:1] == [2]
    assert (tmp_path / "audit-anchor.key").stat().st_mode & 0o077 == 0


def test_cli_verify_fails_loudly_on_truncation(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pasienis.cli import app

    monkeypatch.setenv("PASIENIS_DATABASE_URL", str(sqlite_store.engine.url))
    monkeypatch.setenv("PASIENIS_DATA_DIR", str(tmp_path))
    fill(sqlite_store, 5)
    runner = CliRunner()
    anchored = runner.invoke(app, ["audit", "anchor"])
    assert anchored.exit_code == 0, anchored.output
    assert "anchored entry 5" in anchored.output
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    truncate_and_rewrite_head(sqlite_store, keep=3)
    failed = runner.invoke(app, ["audit", "verify"])
    assert failed.exit_code == 1
    assert "does not match its anchor" in failed.output
    assert "recorded entry 5" in failed.output
