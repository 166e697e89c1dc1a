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
from pasienis.model.ids import make_id
from pasienis.model.registry import install_model, installed_model_dir
from pasienis.model.service import entity_ids_of_schema, load_entity, write_statements
from pasienis.model.statements import Provenance, clean_value, entity_statements, make_statement

__all__ = [
    "InvalidValueError",
    "ModelError",
    "Provenance",
    "SchemaFileError",
    "SchemaProblem",
    "UnknownSchemaError",
    "clean_value",
    "entity_ids_of_schema",
    "entity_statements",
    "install_model",
    "installed_model_dir",
    "load_entity",
    "make_id",
    "make_statement",
    "write_statements",
]
