"""What every reader yields: records with a locator, or problems found while reading."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pasienis.ingest.errors import SourceError


@dataclass(slots=True)
class SourceRecord:
    """One source record: its ordinal, where it is, its field values and nested groups.

    ``problem`` is set when the reader could not read the record at all (a broken quote, an
    undecodable line, malformed JSON, the end of a truncated XML file); the record is then
    quarantined with that reason and ``fields`` holds whatever raw text was seen.
    """

    index: int
    locator: str
    fields: dict[str, Any]
    groups: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    problem: str | None = None


@dataclass(frozen=True)
class ReadPlan:
    """What the mapping needs from each record: field paths, and groups of sub-records."""

    fields: tuple[str, ...] = ()
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Reader(Protocol):
    """Streams the records of one source file."""

    def records(self) -> Iterator[SourceRecord]:
        """Yield records in file order; ``index`` counts from 0 and never skips."""


def check_not_empty(path: Path) -> None:
    """Refuse a missing or 0-byte file with a message that says so."""
    if not path.is_file():
        raise SourceError(f"{path} does not exist or is not a file")
    if path.stat().st_size == 0:
        raise SourceError(f"{path.name} is empty (0 bytes)", hint="check the export or the upload")


def looks_binary(sample: bytes) -> bool:
    """NUL bytes or mostly control bytes: not a text file (e.g. an .xlsx renamed to .csv)."""
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return len(sample) > 0 and control / len(sample) > 0.05
