"""Screen records already stored against entries that are new (a watchlist just imported,
an entry just added): found by the search index's keys, not by a scan. Only the live view is
screened: a retracted import's records raise nothing.

Why: the scenario (and real life) imports the watchlist after the border records; without
this, a person who crossed yesterday and is listed today raises no alert until they cross
again. Candidates come from ``search_keys`` with the same keys screening uses, then the one
scoring rule (:func:`.index.score`) decides.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, select

from pasienis.model import live
from pasienis.model.events import plate_reads
from pasienis.model.models import statements
from pasienis.model.plates import normalise_plate
from pasienis.search import identifier_keys, name_parts
from pasienis.search.models import search_entities, search_keys
from pasienis.store import Store
from pasienis.watch.alerts import raise_alerts
from pasienis.watch.borrow import borrow_birth_dates
from pasienis.watch.index import Entry, WatchIndex
from pasienis.watch.rule import typed_name_keys
from pasienis.watch.screening import FACTS, plate_subject, screen, subjects_of_facts
from pasienis.watch.service import active_entries

MAX_CANDIDATES = 5000


def _entity_candidates(conn: Connection, entry: Entry) -> set[str]:
    # The rule's keys a record is looked up by: a row sharing one is a candidate.
    keys: set[str] = set(typed_name_keys(name_parts(entry.name))) if entry.name else set()
    for id_type, value in entry.identifiers:
        if id_type != "plate":
            keys |= identifier_keys(value, prop_type=id_type)
        else:
            keys.add(f"i:{normalise_plate(value)}")
    if not keys:
        return set()
    rows = (
        select(search_keys.c.row_id)
        .where(search_keys.c.key.in_(sorted(keys)))
        .distinct()
        .limit(MAX_CANDIDATES)
    )
    q = select(search_entities.c.entity_id).where(search_entities.c.id.in_(rows.scalar_subquery()))
    return set(conn.execute(q).scalars())


def screen_existing(
    store: Store, entries: Sequence[Entry], *, name_threshold: float, plates: bool = True
) -> int:
    """Raise alerts for stored entities (and plate reads of listed plates) the entries match."""
    if not entries:
        return 0
    index = WatchIndex(list(entries), name_threshold=name_threshold)
    raised = 0
    with store.read() as reader:
        ids: set[str] = set()
        for entry in entries:
            ids |= _entity_candidates(reader, entry)
        ordered = sorted(ids)
        for start in range(0, len(ordered), 2000):
            chunk = ordered[start : start + 2000]
            q = select(*FACTS).where(statements.c.entity_id.in_(chunk), live(statements))
            rows = reader.execute(q.order_by(statements.c.entity_id, statements.c.dataset))
            subjects = list(subjects_of_facts(rows, run_id=None))
            borrow_birth_dates(reader, subjects, threshold=name_threshold)
            with store.begin() as conn:
                raised += len(raise_alerts(store, conn, screen(index, subjects))[0])
        if plates:
            raised += _screen_reads(store, reader, index, entries)
    return raised


def _screen_reads(
    store: Store, reader: Connection, index: WatchIndex, entries: Sequence[Entry]
) -> int:
    listed = sorted({normalise_plate(v) for e in entries for t, v in e.identifiers if t == "plate"})
    raised = 0
    for start in range(0, len(listed), 500):
        q = select(plate_reads).where(
            plate_reads.c.plate.in_(listed[start : start + 500]), live(plate_reads)
        )
        subjects = [plate_subject(r) for r in reader.execute(q)]
        with store.begin() as conn:
            raised += len(raise_alerts(store, conn, screen(index, subjects))[0])
    return raised


def screen_entry(store: Store, *, entry_id: str, name_threshold: float) -> int:
    """Screen stored records against one entry just added or edited by hand."""
    with store.read() as conn:
        found = [e for e in active_entries(conn) if e.id == entry_id]
    return screen_existing(store, found, name_threshold=name_threshold)
