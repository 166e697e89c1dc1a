"""Follow ``import.completed``: sync imported watchlists, screen every other import.

The cursor in ``watch_state`` moves only after a run is fully screened (or a watchlist fully
synced and its entries screened against stored records), so a crash redoes that run: alert ids
are hashes of entry and record, so nothing is raised twice and nothing is lost.

Why a follower rather than screening inside the importer's transaction: an import commits in
many batches (from a writer process), ingest may not import watch (sibling capabilities), and
screening every batch against 100,000 entries would slow every import for lists that change
rarely. What makes the follower sound: ``import.completed`` commits in the same transaction
that closes the run (a run is never closed without its event), publishing transactions commit
in id order (:func:`pasienis.store.commit_in_order`), so the cursor never passes an event that
commits late, and alerts have deterministic ids (tests: ``test_watch_import_kill.py``,
``test_crash.py``, ``test_watch_cursor.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from pasienis.jobs import events_since
from pasienis.search import catch_up as index_new_imports
from pasienis.store import Store
from pasienis.watch.cache import IndexCache
from pasienis.watch.retro import screen_existing
from pasienis.watch.runs import screen_run
from pasienis.watch.service import get_state, set_state
from pasienis.watch.sync import sync_imported_list

CURSOR = "screen_cursor"


def catch_up(
    store: Store, cache: IndexCache, *, list_datasets: Iterable[str] = (), limit: int = 100
) -> int:
    """Sync imported watchlists and screen every import completed since the cursor."""
    watch_sets = set(list_datasets)
    done = 0
    while done < limit:
        index_new_imports(store)  # retro-screening looks records up in the search index
        with store.read() as conn:
            events = events_since(
                conn, cursor=get_state(conn, CURSOR), topics=["import.completed"], limit=1
            )
        if not events:
            break
        event = events[0]
        run_id, dataset = event.payload.get("id"), event.payload.get("dataset")
        if dataset in watch_sets:
            with store.begin() as conn:
                entries = sync_imported_list(conn, dataset=dataset)
            screen_existing(store, entries, name_threshold=cache.name_threshold)
        elif run_id:
            screen_run(store, cache, run_id=run_id)
        with store.begin() as conn:
            set_state(conn, CURSOR, event.id)
        done += 1
    return done
