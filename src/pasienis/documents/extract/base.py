"""A mention found in a text: kind, character span, normalised value, confidence, method."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Found:
    """One mention. ``value`` is the normalised identifier (E.164 phone, compact IBAN, plate
    key) or, for names, the name key; ``entity_id`` is set once it is linked to the store."""

    kind: str
    start: int
    end: int
    text: str
    value: str
    confidence: float
    method: str
    entity_id: str | None = None
    schema: str | None = None
    #: Every stored entity the text could name when it is ambiguous (namesakes).
    candidates: tuple[str, ...] = ()


def non_overlapping(found: list[Found], priority: dict[str, int]) -> list[Found]:
    """Keep the best of overlapping mentions: kind priority, then length, then position."""
    ranked = sorted(found, key=lambda f: (priority.get(f.kind, 99), -(f.end - f.start), f.start))
    taken: list[tuple[int, int]] = []
    kept: list[Found] = []
    for f in ranked:
        if any(f.start < e and s < f.end for s, e in taken):
            continue
        taken.append((f.start, f.end))
        kept.append(f)
    return sorted(kept, key=lambda f: f.start)
