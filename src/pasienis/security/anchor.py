"""Anchors of the audit chain outside the database, so that a cut-off tail is detected.

The hash chain (:mod:`pasienis.security.audit`) proves that no entry was altered, removed or
reordered — unless whoever deletes the last entries also rewrites ``audit_head`` to match:
then the shorter chain is perfect. An anchor is the head's ``seq`` and hash, written
periodically (by the server) and on demand (``pasienis audit anchor``) to an append-only
JSON-lines file in a directory the database cannot reach, each line signed with HMAC-SHA256,
and optionally sent as a syslog line to a log host. ``pasienis audit verify`` checks the
latest anchor against the log: an anchored entry that is missing or different means the
tail was cut off or rewritten.

Lines are appended with one ``write`` on a file opened ``O_APPEND`` (several server processes
may anchor at once) and synced to disk. A line whose signature does not match fails the
verification: anchors can be deleted by someone with access to the directory, but not forged
without the key.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import logging.handlers
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from pasienis.config import Settings
from pasienis.security.errors import AuditAnchorError
from pasienis.security.models import audit_head, audit_log
from pasienis.store import Store

logger = logging.getLogger(__name__)
ANCHOR_FILE = "audit-anchors.jsonl"
KEY_FILE = "audit-anchor.key"
HEAD_ID = 1


@dataclass(frozen=True)
class Anchor:
    """One checkpoint: the chain head at a moment, and where it was taken."""

    seq: int
    hash: str
    at: str
    host: str
    db: str


@dataclass(frozen=True)
class AnchorConfig:
    """Where anchors go and how they are signed (from :class:`Settings`)."""

    directory: Path
    key: bytes
    syslog: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AnchorConfig:
        directory = settings.audit_anchor_dir or settings.data_dir / "audit-anchors"
        key = settings.audit_anchor_key
        return cls(
            directory=directory,
            key=key.encode("utf-8") if key else _key_file(settings.data_dir / KEY_FILE),
            syslog=settings.audit_anchor_syslog,
        )

    @property
    def path(self) -> Path:
        return self.directory / ANCHOR_FILE


@dataclass(frozen=True)
class AnchorCheck:
    """The log compared with its latest anchor."""

    ok: bool
    anchor: Anchor | None
    reason: str | None = None


def _key_file(path: Path) -> bytes:
    """The signing key kept in the data directory, created (0600) the first time."""
    with contextlib.suppress(FileExistsError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def _mac(key: bytes, anchor: Anchor) -> str:
    body = json.dumps(asdict(anchor), sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def database_id(store: Store) -> str:
    """Which database an anchor belongs to: a digest of its URL (password hidden).

    Anchors of another database (a test copy, a staging server sharing the directory) are
    not compared with this one.
    """
    url = store.engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def current_head(store: Store) -> tuple[int, str]:
    """The chain head's ``seq`` and hash (0 and the genesis hash for an empty log)."""
    with store.read() as conn:
        head = conn.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ID)
        ).first()
    return (head.seq, head.hash) if head is not None else (0, "0" * 64)


def write_anchor(store: Store, config: AnchorConfig, *, now: datetime | None = None) -> Anchor:
    """Append the current head to the anchor file (and syslog); returns the anchor."""
    seq, head_hash = current_head(store)
    anchor = Anchor(
        seq=seq,
        hash=head_hash,
        at=(now or datetime.now(UTC)).isoformat(timespec="seconds"),
        host=socket.gethostname(),
        db=database_id(store),
    )
    line = json.dumps({**asdict(anchor), "mac": _mac(config.key, anchor)}, sort_keys=True)
    config.directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(config.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, (line + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if config.syslog:
        send_syslog(config.syslog, f"pasienis audit anchor {line}")
    return anchor


def send_syslog(address: str, message: str) -> None:
    """One line to syslog: a socket path (``/dev/log``) or ``host:port`` over UDP."""
    if address.startswith("/"):
        target: str | tuple[str, int] = address
    else:
        host, _, port = address.rpartition(":")
        target = (host or "127.0.0.1", int(port or 514))
    handler = logging.handlers.SysLogHandler(
        address=target, facility=logging.handlers.SysLogHandler.LOG_AUTH
    )
    try:
        record = logging.LogRecord("pasienis.audit", logging.WARNING, "", 0, message, None, None)
        handler.emit(record)
    finally:
        handler.close()


def read_anchors(config: AnchorConfig) -> list[Anchor]:
    """Every anchor in the file, oldest first; a line that does not verify is an error."""
    if not config.path.exists():
        return []
    anchors = []
    for number, text in enumerate(config.path.read_text(encoding="utf-8").splitlines(), 1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
            mac = data.pop("mac")
            anchor = Anchor(**data)
        except (ValueError, KeyError, TypeError) as exc:
            raise AuditAnchorError(f"{config.path}, line {number}: not an anchor") from exc
        if not hmac.compare_digest(mac, _mac(config.key, anchor)):
            raise AuditAnchorError(
                f"{config.path}, line {number}: the signature does not match",
                hint="the anchor was forged or altered, or the key changed",
            )
        anchors.append(anchor)
    return anchors


def check_anchor(store: Store, config: AnchorConfig) -> AnchorCheck:
    """Compare the log with the newest anchor; never ok when the anchored entry is gone."""
    db = database_id(store)
    anchors = [a for a in read_anchors(config) if a.db == db]
    if not anchors:
        return AnchorCheck(True, None, f"no anchor of this database in {config.path} yet")
    anchor = max(anchors, key=lambda a: a.seq)
    if anchor.seq == 0:
        return AnchorCheck(True, anchor)
    with store.read() as conn:
        found = conn.execute(select(audit_log.c.hash).where(audit_log.c.seq == anchor.seq)).scalar()
        last = conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0
    if found is None:
        return AnchorCheck(
            False,
            anchor,
            f"the log ends at entry {last} but the anchor of {anchor.at} recorded entry "
            f"{anchor.seq}: entries at the end were deleted",
        )
    if found != anchor.hash:
        return AnchorCheck(
            False,
            anchor,
            f"entry {anchor.seq} differs from the anchor of {anchor.at}: "
            "the log was rewritten from there",
        )
    return AnchorCheck(True, anchor)


@contextlib.asynccontextmanager
async def anchoring(store: Store, settings: Settings) -> AsyncIterator[None]:
    """While the server runs, anchor the head every ``audit_anchor_interval_s`` it moved."""
    interval = settings.audit_anchor_interval_s
    if interval <= 0:
        yield
        return
    config = AnchorConfig.from_settings(settings)
    task = asyncio.create_task(_anchor_loop(store, config, interval))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _anchor_loop(store: Store, config: AnchorConfig, interval: float) -> None:
    last: int | None = None
    while True:
        await asyncio.sleep(interval)
        try:
            seq, _hash = await asyncio.to_thread(current_head, store)
            if seq != last:
                await asyncio.to_thread(write_anchor, store, config)
                last = seq
        except Exception:  # the log must never stop the server; say so loudly instead
            logger.exception("writing an audit anchor to %s failed", config.path)
