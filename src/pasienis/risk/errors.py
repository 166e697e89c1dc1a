"""Errors of the risk capability: each names the file, line or row and field concerned."""

from __future__ import annotations

from pasienis.errors import NotFoundError, PasienisError


class RiskError(PasienisError):
    """A rule set, history file, mapping or model that cannot be used as given."""

    kind = "risk"


class RuleError(RiskError):
    """A rule file with an error: ``file:line: what is wrong`` for each problem found."""

    kind = "risk-rule"

    def __init__(self, problems: list[str], *, hint: str | None = None) -> None:
        self.problems = problems
        head = problems[0] if len(problems) == 1 else f"{len(problems)} problems in the rules"
        super().__init__(
            head if len(problems) == 1 else head + ":\n  " + "\n  ".join(problems), hint=hint
        )


class HistoryError(RiskError):
    """A history or mapping file that cannot be read: names file, row/line and field."""

    kind = "risk-history"


class ModelMismatchError(RiskError):
    """A model applied to data of another column mapping, or a model file not ours."""

    status_code = 409
    kind = "risk-model-mismatch"


class RiskNotFoundError(NotFoundError):
    """No such model or score (or not visible to the caller)."""
