"""Exports of a subgraph: GEXF 1.3, GraphML, FtM JSON lines, CSV (zip), i2 ANX XML.

Every writer takes the same node/edge dicts (:func:`pasienis.graph.service.node_json`,
``edge_json``), so each format says the same thing. XML is written with lxml (escaping and
encoding done right); tests read each export back with an independent reader.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections.abc import Callable
from typing import Any

from lxml import etree

from pasienis.errors import NotFoundError
from pasienis.graph.errors import ExportError

GEXF_NS = "http://gexf.net/1.3"
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
NODE_ATTRS = ("schema", "label", "datasets", "seizures")
EDGE_ATTRS = ("relation", "weight", "first", "last", "datasets")
log = logging.getLogger(__name__)
#: i2 icon types for FtM schemata (Analyst's Notebook standard icon names).
ANX_ICONS = {"Person": "Person", "Company": "Company", "Organization": "Organisation",
             "LegalEntity": "Organisation", "Vehicle": "Car", "Passport": "Passport",
             "Address": "Building", "BorderCheckpoint": "Border Post"}  # fmt: skip
MEDIA_TYPES = {"gexf": "application/gexf+xml", "graphml": "application/graphml+xml",
               "ftm": "application/x-ndjson", "csv": "application/zip",
               "anx": "application/xml"}  # fmt: skip
SUFFIXES = {"gexf": "gexf", "graphml": "graphml", "ftm": "ftm.jsonl", "csv": "csv.zip",
            "anx": "anx"}  # fmt: skip


class EntityLoader:
    """Full entities for the FtM export, loud about what it could not load.

    ``load`` (e.g. :func:`pasienis.model.load_entity` bound to a connection and the caller's
    datasets) returns an entity with ``to_dict()``. A node with no visible statements
    (``NotFoundError``: a plate seen only by cameras, a node known only from events) is not an
    error: it is written from the graph's summary and listed in ``summarised``. Any other
    failure aborts the export with :class:`ExportError` naming the node — never a silent
    stub in place of an entity that exists."""

    def __init__(self, load: Callable[[str], Any]) -> None:
        self._load = load
        self.summarised: list[str] = []

    def __call__(self, node_id: str) -> dict | None:
        try:
            return self._load(node_id).to_dict()
        except NotFoundError:
            self.summarised.append(node_id)
            return None
        except Exception as exc:
            log.exception("graph export: loading entity %r failed", node_id)
            raise ExportError(
                f"export failed: could not load entity {node_id!r} ({type(exc).__name__})",
                hint="nothing was exported; the error is in the server log",
            ) from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def to_gexf(nodes: list[dict], edges: list[dict]) -> bytes:
    root = etree.Element("gexf", nsmap={None: GEXF_NS}, version="1.3")
    graph = etree.SubElement(root, "graph", defaultedgetype="directed", mode="static")
    for cls, names in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        attrs = etree.SubElement(graph, "attributes", {"class": cls})
        for i, name in enumerate(names):
            kind = "double" if name == "weight" else "integer" if name == "seizures" else "string"
            etree.SubElement(attrs, "attribute", id=f"{cls[0]}{i}", title=name, type=kind)
    xnodes = etree.SubElement(graph, "nodes")
    for n in nodes:
        el = etree.SubElement(xnodes, "node", id=n["id"], label=n.get("label") or n["id"])
        _attvalues(el, "n", NODE_ATTRS, n)
    xedges = etree.SubElement(graph, "edges")
    for e in edges:
        el = etree.SubElement(xedges, "edge", id=e["id"], source=e["source"], target=e["target"],
                              label=e["relation"], weight=repr(float(e["weight"])))  # fmt: skip
        _attvalues(el, "e", EDGE_ATTRS, e)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _attvalues(el: Any, prefix: str, names: tuple[str, ...], item: dict) -> None:
    values = etree.SubElement(el, "attvalues")
    for i, name in enumerate(names):
        if item.get(name) is not None:
            etree.SubElement(
                values, "attvalue", {"for": f"{prefix}{i}", "value": _text(item[name])}
            )


def to_graphml(nodes: list[dict], edges: list[dict]) -> bytes:
    root = etree.Element("graphml", nsmap={None: GRAPHML_NS})
    for scope, names in (("node", NODE_ATTRS), ("edge", EDGE_ATTRS)):
        for name in names:
            kind = "double" if name == "weight" else "int" if name == "seizures" else "string"
            etree.SubElement(root, "key", {"id": f"{scope}_{name}", "for": scope,
                                           "attr.name": name, "attr.type": kind})  # fmt: skip
    graph = etree.SubElement(root, "graph", id="pasienis", edgedefault="directed")
    for n in nodes:
        el = etree.SubElement(graph, "node", id=n["id"])
        _data(el, "node", NODE_ATTRS, n)
    for e in edges:
        el = etree.SubElement(graph, "edge", id=e["id"], source=e["source"], target=e["target"])
        _data(el, "edge", EDGE_ATTRS, e)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _data(el: Any, scope: str, names: tuple[str, ...], item: dict) -> None:
    for name in names:
        if item.get(name) is not None:
            etree.SubElement(el, "data", key=f"{scope}_{name}").text = _text(item[name])


def to_csv_zip(nodes: list[dict], edges: list[dict]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, rows, cols in (
            ("nodes.csv", nodes, ("id", *NODE_ATTRS)),
            ("edges.csv", edges, ("id", "source", "target", *EDGE_ATTRS)),
        ):
            text = io.StringIO()
            w = csv.writer(text)
            w.writerow(cols)
            w.writerows([_text(r.get(c)) for c in cols] for r in rows)
            z.writestr(name, text.getvalue())
    return buf.getvalue()


def to_ftm(nodes: list[dict], edges: list[dict], entity: Callable[[str], dict | None]) -> bytes:
    """Entities as FtM JSON lines (the full visible entity when ``entity`` finds it), and
    each edge as an FtM relation: the interval schema it came from, else UnknownLink."""
    from followthemoney.model import Model

    from pasienis.graph.links import interval_schemata

    model = Model.instance()
    lines = []
    for n in nodes:
        data = entity(n["id"]) or _ftm_stub(n)
        proxy = model.get_proxy(data, cleaned=False)
        lines.append(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True))
    relations = {name.lower(): (name, ends) for name, ends in interval_schemata().items()}
    for e in edges:
        schema, (source, target) = relations.get(
            e["relation"], ("UnknownLink", ("subject", "object"))
        )
        props: dict[str, list[str]] = {source: [e["source"]], target: [e["target"]]}
        if schema == "UnknownLink":
            props["role"] = [e["relation"]]
        for key, prop in (("first", "startDate"), ("last", "endDate")):
            if e.get(key):
                props[prop] = [e[key][:10]]
        proxy = model.get_proxy({"id": f"edge-{e['id'][:60]}", "schema": schema,
                                 "properties": props}, cleaned=False)  # fmt: skip
        lines.append(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True))
    return ("\n".join(lines) + "\n").encode()


def _ftm_stub(n: dict) -> dict:
    prop = "registrationNumber" if n["schema"] == "Vehicle" else "name"
    props = {prop: [n["label"] or n["id"].removeprefix("plate:")]}
    return {
        "id": n["id"],
        "schema": n["schema"] if n["schema"] != "Thing" else "Thing",
        "properties": props,
    }


def to_anx(nodes: list[dict], edges: list[dict]) -> bytes:
    """An i2 Analyst's Notebook chart (ANX): entity and link chart items with attributes."""
    chart = etree.Element("Chart", IdReferenceLinking="false", Rigorous="true")
    types = etree.SubElement(chart, "EntityTypeCollection")
    for icon in sorted({ANX_ICONS.get(n["schema"], "General") for n in nodes}):
        etree.SubElement(types, "EntityType", Name=icon, IconFile=icon)
    links = etree.SubElement(chart, "LinkTypeCollection")
    etree.SubElement(links, "LinkType", Name="Link", Colour="0")
    classes = etree.SubElement(chart, "AttributeClassCollection")
    for name, kind in (
        ("Schema", "AttText"),
        ("Datasets", "AttText"),
        ("Relation", "AttText"),
        ("Weight", "AttNumber"),
        ("LastSeen", "AttText"),
    ):
        etree.SubElement(classes, "AttributeClass", Name=name, Type=kind, ShowValue="true")
    items = etree.SubElement(chart, "ChartItemCollection")
    for i, n in enumerate(nodes):
        item = etree.SubElement(items, "ChartItem", Label=n.get("label") or n["id"],
                                XPosition=str(120 * (i % 20)))  # fmt: skip
        end = etree.SubElement(item, "End", Y=str(120 * (i // 20)))
        ent = etree.SubElement(end, "Entity", EntityId=n["id"], Identity=n["id"],
                               LabelIsIdentity="false")  # fmt: skip
        icon = etree.SubElement(ent, "Icon")
        etree.SubElement(icon, "IconStyle", Type=ANX_ICONS.get(n["schema"], "General"))
        _anx_attrs(item, {"Schema": n["schema"], "Datasets": _text(n.get("datasets"))})
    for e in edges:
        attrs = {"DateSet": "true", "DateTime": e["first"][:19]} if e.get("first") else {}
        item = etree.SubElement(items, "ChartItem", Label=e["relation"], **attrs)
        link = etree.SubElement(item, "Link", End1Id=e["source"], End2Id=e["target"])
        etree.SubElement(link, "LinkStyle", Type="Link", ArrowStyle="ArrowOnHead",
                         MlStrength="MlStrengthConfirmed", LineWidth="1")  # fmt: skip
        _anx_attrs(
            item,
            {
                "Relation": e["relation"],
                "Weight": repr(float(e["weight"])),
                "Datasets": _text(e.get("datasets")),
                "LastSeen": e.get("last") or "",
            },
        )
    return etree.tostring(chart, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _anx_attrs(item: Any, values: dict[str, str]) -> None:
    attrs = etree.SubElement(item, "Attributes")
    for name, value in values.items():
        if value:
            etree.SubElement(attrs, "Attribute", AttributeClass=name, Value=value)


def export(fmt: str, nodes: list[dict], edges: list[dict],
           entity: Callable[[str], dict | None] | None = None) -> bytes:  # fmt: skip
    """The subgraph in ``fmt`` (gexf, graphml, ftm, csv, anx)."""
    if fmt == "ftm":
        return to_ftm(nodes, edges, entity or (lambda _id: None))
    writers = {"gexf": to_gexf, "graphml": to_graphml, "csv": to_csv_zip, "anx": to_anx}
    return writers[fmt](nodes, edges)
