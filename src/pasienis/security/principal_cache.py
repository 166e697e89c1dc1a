"""Principals cached per credential, valid while the security epoch stands.

Folding a principal costs seven SQL statements (credential, account, roles, read and write
dataset grants with their classifications, case grants) — most of the CPU of a small request.
This cache keeps, per credential (its SHA-256, never the secret), the folded principal and the
stored state of the credential, tagged with the security epoch (:mod:`.epoch`) read *before*
they were folded. A request reads the epoch once; when it is still the tag, nothing a
principal is built from has changed since (the triggers raise it in the same transaction as
any such change, in every process and on every host), so the principal is used as it is;
otherwise it is folded again. Reading the epoch before folding makes a race safe: a change
that commits while a principal is folded raises the epoch past the tag, and the next request
folds again.

What is never cached: a verdict about time. Whether the credential is expired (its own expiry,
and a token's maximum age from the current settings) is judged at every request against the
cached state. Unknown, revoked or expired credentials are not kept at all.

A database whose triggers are missing (a table rebuilt by a later batch migration, or an
epoch row deleted) is detected once per process, logged, and then nothing is cached there.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import Connection

from pasienis.security.credentials import CredentialState
from pasienis.security.epoch import EPOCH_TABLE, EPOCH_TABLES, current_epoch
from pasienis.security.principals import Principal
from pasienis.store import Store

log = logging.getLogger(__name__)

#: Credentials kept at most; the least recently used goes first.
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class CachedPrincipal:
    """A folded principal, the credential state it came from, and the epoch it is valid at."""

    epoch: int
    principal: Principal
    state: CredentialState


class PrincipalCache:
    """Folded principals per ``(credential kind, credential id)``; thread-safe, bounded.

    One per process (the API keeps one on ``app.state.principals``); the epoch makes every
    process's cache agree with the store without any message between them.
    """

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[tuple[str, str], CachedPrincipal] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self._usable: bool | None = None  # checked on first use: are the triggers there?

    def epoch(self, store: Store, conn: Connection) -> int | None:
        """The epoch ``conn`` sees, or ``None`` when this store cannot be cached for."""
        if self._usable is None:
            missing = store.dialect.missing_change_counters(
                conn, tables=EPOCH_TABLES, counter=EPOCH_TABLE
            )
            if missing:
                log.warning(
                    "principal cache off: no security epoch trigger on %s", ", ".join(missing)
                )
            self._usable = not missing
        return current_epoch(conn) if self._usable else None

    def get(self, key: tuple[str, str], epoch: int | None) -> CachedPrincipal | None:
        """The entry for ``key`` if it was folded at ``epoch``; a stale one is dropped."""
        if epoch is None:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.epoch != epoch:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], entry: CachedPrincipal) -> None:
        """Keep ``entry`` (evicting the least recently used beyond the bound)."""
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget everything (tests; never needed for correctness)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
