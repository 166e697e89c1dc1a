"""Read-only descriptions of the installed schemata, for the CLI, the API and the UI."""

from __future__ import annotations

from typing import Any

from pasienis.model.errors import UnknownSchemaError


def _model() -> Any:
    from followthemoney.model import Model

    return Model.instance()


def list_schemata() -> list[dict[str, Any]]:
    """Every concrete schema with its label, parents and property count, sorted by name."""
    items = []
    for schema in _model():
        if schema.abstract:
            continue
        items.append(
            {
                "name": schema.name,
                "label": schema.label,
                "plural": schema.plural,
                "extends": sorted(s.name for s in schema.extends),
                "matchable": schema.matchable,
                "edge": schema.edge,
                "count": len(schema.properties),
            }
        )
    return sorted(items, key=lambda i: i["name"])


def describe_schema(name: str) -> dict[str, Any]:
    """One schema with its properties (type, range, reverse), featured first."""
    schema = _model().get(name)
    if schema is None:
        raise UnknownSchemaError(f"unknown schema {name!r}", hint="see `pasienis schema list`")
    featured = {p: i for i, p in enumerate(schema.featured)}
    props = sorted(
        schema.properties.values(), key=lambda p: (featured.get(p.name, len(featured)), p.name)
    )
    return {
        "name": schema.name,
        "label": schema.label,
        "extends": sorted(s.name for s in schema.extends),
        "featured": list(schema.featured),
        "caption": list(schema.caption),
        "properties": [
            {
                "name": p.name,
                "label": p.label,
                "type": p.type.name,
                "range": p.range.name if p.range is not None else None,
                "stub": p.stub,
            }
            for p in props
            if not p.hidden
        ],
    }
