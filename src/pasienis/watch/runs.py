"""Screen one import run: its entities and plate reads, then the earlier records it informs.

:func:`.follow.catch_up` calls :func:`screen_run` for every ``import.completed`` event. A run
is screened in chunks; each chunk's alerts (and their bus event) commit together, and the
follower's cursor moves only after the run's last chunk — so a crash (kill -9) at any point
re-screens the unfinished run on restart: alerts already raised are not raised twice (their
ids are hashes of entry and record), none is lost, and a withdrawal is not made twice.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, select

from pasienis.model.events import plate_reads
from pasienis.model.models import statements
from pasienis.store import Store
from pasienis.watch.alerts import raise_alerts
from pasienis.watch.borrow import borrow_birth_dates
from pasienis.watch.cache import IndexCache
from pasienis.watch.index import Subject
from pasienis.watch.rescreen import AlertedDocuments, rescreen_borrowers
from pasienis.watch.screening import CHUNK, FACTS, plate_subject, screen, subjects_of_facts


def _run_subjects(conn: Connection, run_id: str) -> Iterator[list[Subject]]:
    ids = sorted(
        conn.execute(
            select(statements.c.entity_id).where(statements.c.run_id == run_id).distinct()
        ).scalars()
    )
    for start in range(0, len(ids), CHUNK):
        q = select(*FACTS).where(statements.c.entity_id.in_(ids[start : start + CHUNK]))
        rows = conn.execute(q.order_by(statements.c.entity_id, statements.c.dataset))
        yield list(subjects_of_facts(rows, run_id=run_id))
    last = ""
    while True:
        q = select(plate_reads).where(plate_reads.c.run_id == run_id, plate_reads.c.id > last)
        batch = list(conn.execute(q.order_by(plate_reads.c.id).limit(CHUNK)))
        if not batch:
            return
        last = batch[-1].id
        yield [plate_subject(r) for r in batch]


def screen_run(store: Store, cache: IndexCache, *, run_id: str) -> int:
    """Screen one import run's entities and plate reads; returns alerts newly raised.

    A person record without a birth date is screened with the birth dates its document's
    other records give (:mod:`.borrow`): the evidence about the person, not the bare row. The
    stored records that borrow from the run's records are screened again (:mod:`.rescreen`).
    """
    raised = 0
    with store.read() as reader:
        alerted = AlertedDocuments(reader)
        for subjects in _run_subjects(reader, run_id):
            with store.begin() as conn:
                index = cache.get(conn)
                borrow_birth_dates(reader, subjects, threshold=index.name_threshold)
                found = screen(index, subjects)
                raised += len(raise_alerts(store, conn, found)[0])
            counts = rescreen_borrowers(
                store, reader, index, subjects, found=found, alerted=alerted
            )
            raised += counts["raised"]
    return raised
