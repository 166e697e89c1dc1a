"""Errors of the entity model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pasienis.errors import PasienisError


class ModelError(PasienisError):
    """The entity model cannot be built or a value does not fit it."""

    kind = "model"


@dataclass(frozen=True)
class SchemaProblem:
    """One thing wrong in one schema YAML file, with the line it is on (1-based)."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class SchemaFileError(ModelError):
    """Schema YAML that cannot load; raised at start-up, naming file, line and problem."""

    kind = "schema-file"

    def __init__(self, problems: list[SchemaProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(
            f"invalid schema YAML ({len(problems)} problem(s)):\n{lines}",
            hint="fix the schema file(s) named above; see docs/schema.md",
        )


class InvalidValueError(ModelError):
    """A statement value that does not validate for its property type. Never stored."""

    kind = "invalid-value"
    status_code = 422

    def __init__(
        self,
        *,
        schema: str,
        prop: str,
        prop_type: str,
        value: object,
        locator: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.schema = schema
        self.prop = prop
        self.prop_type = prop_type
        self.value = value
        self.locator = locator
        self.reason = reason or f"not a valid {prop_type}"
        where = f" at {locator}" if locator else ""
        super().__init__(f"{schema}.{prop}{where}: {value!r} is {self.reason}")


class UnknownSchemaError(ModelError):
    """A schema or property name that the assembled model does not have."""

    kind = "unknown-schema"
    status_code = 422
