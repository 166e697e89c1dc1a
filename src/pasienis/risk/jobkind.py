"""The ``risk.score`` job: score the caller's visible declarations with a saved model and
the active rule set, keep the scores and raise alerts (progress through the job API)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

from pasienis.config import Settings
from pasienis.graph import GraphService
from pasienis.jobs import JobContext
from pasienis.risk.errors import RiskNotFoundError
from pasienis.risk.model import RiskModel, load_model
from pasienis.risk.rules import RuleSet, load_rules
from pasienis.risk.service import score_store
from pasienis.security.compartments import list_datasets

JOB_KIND = "risk.score"


def models_dir(settings: Settings) -> Path:
    return settings.data_dir / "risk" / "models"


def rules_path(settings: Settings) -> Path:
    """The active rule set: ``PASIENIS_RISK_RULES`` or the example set shipped."""
    if settings.risk_rules is not None:
        return settings.risk_rules
    return Path(str(resources.files("pasienis.risk").joinpath("rulesets/customs_default.yml")))


def list_models(settings: Settings) -> list[dict[str, Any]]:
    """Saved models, newest first, with what they were trained on (no records)."""
    out = []
    for p in sorted(models_dir(settings).glob("*.json"), reverse=True):
        m = load_model(p)
        out.append(
            {
                "id": m.id,
                **{
                    k: m.meta.get(k)
                    for k in (
                        "created_at",
                        "rows",
                        "split",
                        "metrics",
                        "data_sha256",
                        "history_end",
                        "graph",
                    )
                },
                "mapping_digest": m.mapping_digest,
            }
        )
    return out


def find_model(settings: Settings, model_id: str | None) -> RiskModel | None:
    """A saved model by id, the newest when ``model_id`` is "latest", none when None."""
    if model_id is None:
        return None
    files = sorted(models_dir(settings).glob("*.json"), reverse=True)
    if model_id == "latest":
        if not files:
            raise RiskNotFoundError(
                "no risk model is saved yet",
                hint="train one: pasienis risk train --history … --mapping …",
            )
        return load_model(files[0])
    for p in files:
        if p.stem == model_id:
            return load_model(p)
    raise RiskNotFoundError(f"no risk model {model_id!r}")


def active_rules(settings: Settings) -> RuleSet:
    return load_rules(rules_path(settings))


def risk_job(settings: Settings) -> Callable[[JobContext], dict[str, Any]]:
    def run(ctx: JobContext) -> dict[str, Any]:
        """Params: ``model`` (id, "latest" or null), ``threshold``, ``datasets`` (null: all)."""
        ctx.progress(0, 3, "loading model and rules", force=True)
        model = find_model(settings, ctx.params.get("model"))
        rules = active_rules(settings) if ctx.params.get("rules", True) else None
        granted = ctx.params.get("datasets")
        with ctx.store.read() as conn:
            known = frozenset(name for name, _, _ in list_datasets(conn))
        datasets = known if granted is None else known & frozenset(granted)
        ctx.progress(1, 3, "scoring declarations", force=True)
        summary = score_store(
            ctx.store,
            model=model,
            rules=rules,
            datasets=datasets,
            actor=ctx.created_by or "job",
            threshold=float(ctx.params.get("threshold", 0.8)),
            graph=GraphService(ctx.store),
        )
        ctx.progress(3, 3, "done", force=True)
        return summary

    return run
