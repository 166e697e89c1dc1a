"""What retention can erase beyond statements and events: the hook other capabilities use.

Statements and the event tables belong to the entity model and retention erases them itself.
Everything else is registered explicitly, by the code that builds the app or the CLI (never
as a side effect of an import):

- a :class:`TableEraser` puts a capability's own time-stamped table under a per-table period
  (ops registers its positions, with ``PASIENIS_OPS_POSITION_RETENTION_DAYS`` as default);
- a :class:`DatasetEraser` removes a capability's rows of a dataset whose data expired
  (ingest registers its quarantine of raw records);
- a follower keeps a derived table in step: it is called, inside the erasing transaction,
  with the ids of every batch of erased entities or events (a search index drops them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from pasienis.security.errors import RetentionError


@dataclass(frozen=True)
class Erased:
    """One batch that was just erased: entity ids (``table="statements"``) or event ids."""

    table: str
    ids: tuple[str, ...]
    dataset: str | None = None


@dataclass(frozen=True)
class TableEraser:
    """A time-stamped table under its own retention period.

    ``count``/``erase`` take the connection and the cutoff (rows older than it expire) and
    return how many rows; ``default_days`` applies until an administrator sets a period.
    """

    table: str
    description: str
    count: Callable[[Connection, datetime], int]
    erase: Callable[[Connection, datetime], int]
    default_days: int | None = None


@dataclass(frozen=True)
class DatasetEraser:
    """A capability's rows of one dataset, erased with the dataset's expired data."""

    name: str
    count: Callable[[Connection, str, datetime], int]
    erase: Callable[[Connection, str, datetime], int]


Follower = Callable[[Connection, Erased], object]


@dataclass
class Erasers:
    """The registry one app or CLI run builds and hands to :mod:`~.service`."""

    tables: dict[str, TableEraser] = field(default_factory=dict)
    datasets: dict[str, DatasetEraser] = field(default_factory=dict)
    followers: dict[str, Follower] = field(default_factory=dict)

    def add_table(self, eraser: TableEraser) -> None:
        self._new(eraser.table, self.tables)
        self.tables[eraser.table] = eraser

    def add_dataset(self, eraser: DatasetEraser) -> None:
        self._new(eraser.name, self.datasets)
        self.datasets[eraser.name] = eraser

    def add_follower(self, name: str, follower: Follower) -> None:
        """``follower(conn, erased)`` runs for every erased batch, in the same transaction."""
        self._new(name, self.followers)
        self.followers[name] = follower

    def notify(self, conn: Connection, erased: Erased) -> None:
        for follower in self.followers.values():
            follower(conn, erased)

    @staticmethod
    def _new(name: str, where: dict) -> None:
        if name in where:
            raise RetentionError(f"a retention eraser named {name!r} is registered already")
