"""Watch: watchlists, screening of new records and live plate reads, alerts.

Public surface: watchlists and entries (:func:`create_list`, :func:`list_lists`,
:func:`get_list`, :func:`add_entry`, :func:`list_entries`, :func:`get_entry`,
:func:`update_entry`, :func:`remove_entry`), imported lists (:func:`sync_imported_list`),
screening (:class:`WatchIndex`, :class:`IndexCache`, :class:`Entry`, :class:`Subject`,
:func:`screen`, :func:`screen_run`, :func:`catch_up`), live reads (:func:`record_reads`,
camera sources :func:`add_source`, :func:`rotate_source`, :func:`authenticate_source`), and
alerts (:func:`list_alerts`, :func:`get_alert`, :func:`set_status`, :func:`task_request`,
:data:`ALERT_TOPIC`).
"""

from pasienis.watch.alerts import TOPIC as ALERT_TOPIC
from pasienis.watch.alerts import get_alert, list_alerts, raise_alerts, set_status, task_request
from pasienis.watch.cache import IndexCache
from pasienis.watch.errors import AlertStateError, SourceAuthError, WatchError, WatchNotFoundError
from pasienis.watch.follow import catch_up
from pasienis.watch.index import Entry, Hit, Subject, WatchIndex, score
from pasienis.watch.live import record_reads
from pasienis.watch.profile import entity_watch
from pasienis.watch.retro import screen_entry, screen_existing
from pasienis.watch.runs import screen_run
from pasienis.watch.schemas import (
    AlertAction,
    EntryCreate,
    EntryUpdate,
    PlateReadIn,
    WatchlistCreate,
)
from pasienis.watch.screening import screen, subjects_of_facts
from pasienis.watch.service import (
    add_entry,
    add_source,
    authenticate_source,
    create_list,
    get_entry,
    get_list,
    list_entries,
    list_lists,
    list_sources,
    remove_entry,
    rotate_source,
    update_entry,
)
from pasienis.watch.sync import sync_imported_list

__all__ = [
    "ALERT_TOPIC",
    "AlertAction",
    "AlertStateError",
    "Entry",
    "EntryCreate",
    "EntryUpdate",
    "Hit",
    "IndexCache",
    "PlateReadIn",
    "SourceAuthError",
    "Subject",
    "WatchError",
    "WatchIndex",
    "WatchNotFoundError",
    "WatchlistCreate",
    "add_entry",
    "add_source",
    "authenticate_source",
    "catch_up",
    "create_list",
    "entity_watch",
    "get_alert",
    "get_entry",
    "get_list",
    "list_alerts",
    "list_entries",
    "list_lists",
    "list_sources",
    "raise_alerts",
    "record_reads",
    "remove_entry",
    "rotate_source",
    "score",
    "screen",
    "screen_entry",
    "screen_existing",
    "screen_run",
    "set_status",
    "subjects_of_facts",
    "sync_imported_list",
    "task_request",
    "update_entry",
]
