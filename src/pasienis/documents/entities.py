"""Statements for one processed document: the document, its pages, mentions, new entities.

Every statement carries its provenance in the locator: the file (``path`` or
``archive!member``), and for pages and mentions the page and character offsets, for mentions
also the confidence and the method that found them.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pasienis.documents.extract import IDENTIFIER_ENTITIES, Found
from pasienis.model import (
    InvalidValueError,
    Provenance,
    UnknownSchemaError,
    make_id,
    make_statement,
)

#: Mention kind -> the Document property that lists it (Aleph's *Mentioned properties).
MENTIONED_PROPS = {
    "phone": "phoneMentioned",
    "iban": "ibanMentioned",
    "email": "emailMentioned",
    "person": "peopleMentioned",
    "company": "companiesMentioned",
    "place": "locationMentioned",
}
#: Entity-typed properties this module fills with ids it made or looked up.
_REFERENCES = frozenset({"parent", "document", "resolved"})
_DETECTED = {"plate": "Vehicle", "iban": "BankAccount", "phone": "PhoneNumber"}


@dataclass
class Rows:
    """Statement rows being collected for one write, and values the model refused."""

    dataset: str
    seen: datetime
    run_id: str | None
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, entity_id: str, schema: str, props: dict[str, Any], locator: str) -> None:
        """The ``id`` statement plus one per value; bad values become problems, not rows."""
        prov = Provenance(self.dataset, self.seen, self.run_id, locator)
        self.rows.append(make_statement(entity_id, schema, "id", entity_id, prov))
        for prop, values in props.items():
            for value in values if isinstance(values, list | tuple) else [values]:
                if value is None or str(value).strip() == "":
                    continue
                try:
                    ref = prop in _REFERENCES
                    row = make_statement(entity_id, schema, prop, value, prov, reference=ref)
                    self.rows.append(row)
                except (InvalidValueError, UnknownSchemaError) as exc:
                    self.problems.append(f"{locator}: {prop}: {exc}")


def page_of(page_starts: list[int], offset: int) -> int | None:
    """1-based page holding character ``offset`` (``None`` for unpaged text)."""
    return bisect_right(page_starts, offset) if page_starts else None


def mention_id(document_id: str, f: Found) -> str:
    """Deterministic id of a mention (same document, kind and span: same mention)."""
    return make_id("mention", document_id, f.kind, f.start, f.end)


def mention_locator(source: str, f: Found, page: int | None) -> str:
    """``file#chars=S-E;page=N;confidence=C;method=M``."""
    where = f"{source}#chars={f.start}-{f.end}" + (f";page={page}" if page else "")
    return f"{where};confidence={f.confidence:.2f};method={f.method}"


def link_identifiers(found: list[Found], known: dict[tuple[str, str], str], rows: Rows) -> set[str]:
    """Resolve phones, plates and IBANs to stored entities, or make new ones (shared ids);
    returns the ids of the new ones."""
    new: set[str] = set()
    for f in found:
        spec = IDENTIFIER_ENTITIES.get(f.kind)
        if spec is None or f.entity_id:
            continue
        prop_type, schema, prop, namespace = spec
        existing = known.get((prop_type, f.value)) or known.get(("identifier", f.value))
        if existing:
            f.entity_id, f.schema = existing, schema
            continue
        f.entity_id, f.schema = make_id(namespace, f.value), schema
        new.add(f.entity_id)
        rows.add(f.entity_id, schema, {prop: f.value}, f"mention:{f.text}")
    return new


def wanted_identifiers(found: list[Found]) -> list[tuple[str, str]]:
    """(property type, value) pairs to look up in the store for ``found``."""
    out = []
    for f in found:
        spec = IDENTIFIER_ENTITIES.get(f.kind)
        if spec is not None:
            out.append((spec[0], f.value))
            out.append(("identifier", f.value))
    return out


def mention_statements(
    rows: Rows, document_id: str, source: str, found: list[Found], page_starts: list[int]
) -> dict[str, list[str]]:
    """A ``Mention`` entity per mention; returns the Document's *Mentioned values."""
    mentioned: dict[str, list[str]] = {}
    for f in found:
        page = page_of(page_starts, f.start)
        props: dict[str, Any] = {"document": document_id, "name": f.text}
        if f.entity_id:
            props["resolved"] = f.entity_id
        schema = f.schema or _DETECTED.get(f.kind) or {"person": "Person"}.get(f.kind)
        if schema:
            props["detectedSchema"] = schema
        if f.kind == "phone":
            props["contextPhone"] = f.value
        rows.add(mention_id(document_id, f), "Mention", props, mention_locator(source, f, page))
        prop = MENTIONED_PROPS.get(f.kind)
        if prop:
            mentioned.setdefault(prop, []).append(f.value if f.kind in _DETECTED else f.text)
    return mentioned


def page_statements(
    rows: Rows, document_id: str, source: str, text: str, page_starts: list[int]
) -> None:
    """A ``Page`` entity per page with its text and number."""
    ends = [*page_starts[1:], len(text) + 1]
    for n, (start, end) in enumerate(zip(page_starts, ends, strict=True), start=1):
        page_text = text[start : end - 1] if n < len(page_starts) else text[start:]
        locator = f"{source}#page={n};chars={start}-{start + len(page_text)}"
        props = {"document": document_id, "index": n, "bodyText": page_text}
        rows.add(make_id("page", document_id, n), "Page", props, locator)
