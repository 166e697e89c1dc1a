"""The entity model: FollowTheMoney schemata + customs extensions, statements, ids.

Public surface used by other capabilities.
"""

from pasienis.model.errors import (
    InvalidValueError,
    ModelError,
    SchemaFileError,
    SchemaProblem,
    UnknownSchemaError,
)
from pasienis.model.formats import check_format, format_names, is_valid_vin
from pasienis.model.ids import make_id
from pasienis.model.registry import install_model, installed_model_dir
from pasienis.model.service import (
    canonical_ids,
    entity_ids_of_schema,
    live,
    load_entity,
    members_of_canonicals,
    write_statements,
)
from pasienis.model.statements import (
    MULTI_VALUE_TYPES,
    Provenance,
    clean_value,
    entity_statements,
    make_statement,
    split_multi,
)

__all__ = [
    "MULTI_VALUE_TYPES",
    "InvalidValueError",
    "ModelError",
    "Provenance",
    "SchemaFileError",
    "SchemaProblem",
    "UnknownSchemaError",
    "canonical_ids",
    "check_format",
    "clean_value",
    "entity_ids_of_schema",
    "entity_statements",
    "format_names",
    "install_model",
    "installed_model_dir",
    "is_valid_vin",
    "live",
    "load_entity",
    "make_id",
    "make_statement",
    "members_of_canonicals",
    "split_multi",
    "write_statements",
]
