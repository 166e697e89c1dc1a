"""Data integration: readers, declarative YAML mappings, validation, quarantine, import runs.

Public surface: :func:`run_import`, :func:`load_mapping`, :func:`parse_mapping`,
:func:`load_scenario`, :class:`ImportResult`, the quarantine functions and
:func:`export_entities` and :func:`authorize_import` (the write grant an import needs);
importing this package registers the customs identifier formats.
"""

from pasienis.ingest import validate as _validate  # noqa: F401 - registers identifier formats
from pasienis.ingest.access import authorize_import
from pasienis.ingest.errors import IngestError, MappingError, SourceError
from pasienis.ingest.ftm import export_entities
from pasienis.ingest.mapping import LoadedMapping, load_mapping, parse_mapping
from pasienis.ingest.quarantine import get_entry, list_entries, retry_entries
from pasienis.ingest.runs import get_run, list_runs
from pasienis.ingest.scenario import load_scenario
from pasienis.ingest.service import ImportResult, run_import

__all__ = [
    "ImportResult",
    "IngestError",
    "LoadedMapping",
    "MappingError",
    "SourceError",
    "authorize_import",
    "export_entities",
    "get_entry",
    "get_run",
    "list_entries",
    "list_runs",
    "load_mapping",
    "load_scenario",
    "parse_mapping",
    "retry_entries",
    "run_import",
]
