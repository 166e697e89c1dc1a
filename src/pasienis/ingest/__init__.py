"""Data integration: readers, declarative YAML mappings, validation, quarantine, import runs.

Public surface: :func:`run_import`, :func:`load_mapping`, :func:`parse_mapping`,
:func:`load_scenario`, :class:`ImportResult`, the quarantine functions and
the functions of the administration tools, :func:`export_entities` and
:func:`authorize_import` (the write grant an import needs). The customs identifier formats are
the model's (:mod:`pasienis.model.formats`), registered by :func:`pasienis.model.install_model`.
"""

from pasienis.ingest.access import authorize_import
from pasienis.ingest.draft import draft_mapping
from pasienis.ingest.errors import IngestError, MappingError, SourceError
from pasienis.ingest.ftm import export_entities
from pasienis.ingest.isolated import run_import_isolated
from pasienis.ingest.mapping import LoadedMapping, load_mapping, parse_mapping
from pasienis.ingest.preview import check_mapping, preview_mapping
from pasienis.ingest.quarantine import count_entries, get_entry, list_entries, retry_entries
from pasienis.ingest.retraction import restore_run, retract_dataset, retract_run
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
    "check_mapping",
    "count_entries",
    "draft_mapping",
    "export_entities",
    "get_entry",
    "get_run",
    "list_entries",
    "list_runs",
    "load_mapping",
    "load_scenario",
    "parse_mapping",
    "preview_mapping",
    "restore_run",
    "retract_dataset",
    "retract_run",
    "retry_entries",
    "run_import",
    "run_import_isolated",
]
