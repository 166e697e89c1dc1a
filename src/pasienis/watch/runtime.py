"""What the server runs for search and watch: index and screen new imports, MQTT reads.

Entered from ``create_app``'s lifespan. The loops call blocking store work in threads and
log (never raise) failures, so a bad run is retried at the next interval rather than stopping
the server; their cursors are in the store, so a restart resumes where the last one stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from pasienis.config import Settings
from pasienis.search import catch_up as index_new_imports
from pasienis.store import Store
from pasienis.watch.cache import IndexCache
from pasienis.watch.follow import catch_up as screen_new_imports
from pasienis.watch.mqtt import run_subscriber

log = logging.getLogger(__name__)


def list_datasets(settings: Settings) -> list[str]:
    return [d.strip() for d in settings.watch_import_datasets.split(",") if d.strip()]


async def _every(seconds: float, name: str, work: Callable[[], Any]) -> None:
    if seconds <= 0:
        return  # turned off (tests drive catch-up themselves)
    while True:
        try:
            await asyncio.to_thread(work)
        except Exception:
            log.exception("%s failed; retrying in %ss", name, seconds)
        await asyncio.sleep(seconds)


@asynccontextmanager
async def running(store: Store, settings: Settings, cache: IndexCache) -> AsyncIterator[None]:
    """Run the search indexer, the import screener and (if enabled) the MQTT subscriber."""
    datasets = list_datasets(settings)
    if store.pinned is not None:
        # A pinned store (tests) is one connection: background threads must not share it.
        yield
        return
    loops = [
        asyncio.create_task(
            _every(
                settings.search_index_interval_s,
                "search indexing",
                lambda: index_new_imports(store),
            ),
            name="search-index",
        ),
        asyncio.create_task(
            _every(
                settings.watch_screen_interval_s,
                "screening",
                lambda: screen_new_imports(store, cache, list_datasets=datasets),
            ),
            name="watch-screen",
        ),
    ]
    if settings.watch_mqtt_enabled:
        loops.append(
            asyncio.create_task(
                run_subscriber(
                    store, cache, url=settings.watch_mqtt_url, topic=settings.watch_mqtt_topic
                ),
                name="watch-mqtt",
            )
        )
    try:
        yield
    finally:
        for task in loops:
            task.cancel()
        for task in loops:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
