"""XML: records selected by an XPath, fields read by XPaths, streamed with ``iterparse``.

The last step of the ``records`` XPath names the element that is streamed; each record is
cleared (and its finished siblings dropped) once read, so a 2 GB file is never held in memory.
A file that stops being well-formed (truncated, a bad byte) keeps every record read before the
break and reports the break as a problem record with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from pasienis.ingest.errors import SourceError
from pasienis.ingest.readers.base import ReadPlan, SourceRecord, check_not_empty

_STEP = re.compile(r"^(?:(?P<prefix>[\w.-]+):)?(?P<local>[\w.-]+)(?:\[.*\])?$")


def record_tag(records: str, namespaces: dict[str, str]) -> str:
    """The Clark-notation tag (``{uri}local``) of the last step of the ``records`` XPath."""
    last = records.rstrip("/").split("/")[-1]
    match = _STEP.match(last)
    if not match:
        raise SourceError(f"cannot stream records {records!r}: end the XPath with an element name")
    prefix = match.group("prefix")
    if prefix is None:
        return match.group("local")
    if prefix not in namespaces:
        raise SourceError(f"namespace prefix {prefix!r} is not declared in source.namespaces")
    return f"{{{namespaces[prefix]}}}{match.group('local')}"


def _text(value: Any) -> str | None:
    if isinstance(value, etree._Element):
        text = "".join(value.itertext()).strip()
        return text or None
    if isinstance(value, bool | float):
        return str(value).removesuffix(".0") if isinstance(value, float) else str(value).lower()
    text = str(value).strip()
    return text or None


def _values(found: Any) -> Any:
    if isinstance(found, list):
        values = [v for v in (_text(x) for x in found) if v is not None]
        if not values:
            return None
        return values[0] if len(values) == 1 else values
    return _text(found)


class XMLReader:
    """Streams the record elements of an XML file."""

    def __init__(
        self,
        path: Path,
        plan: ReadPlan,
        *,
        records: str,
        namespaces: dict[str, str] | None = None,
        name: str | None = None,
    ) -> None:
        check_not_empty(path)
        self.path, self.plan, self.records_path = path, plan, records
        self.namespaces = dict(namespaces or {})
        self.name = name or path.name
        self.tag = record_tag(records, self.namespaces)
        try:
            self.fields = {f: etree.XPath(f, namespaces=self.namespaces) for f in plan.fields}
            self.groups = {
                g: (
                    etree.XPath(g, namespaces=self.namespaces),
                    {f: etree.XPath(f, namespaces=self.namespaces) for f in subs},
                )
                for g, subs in plan.groups.items()
            }
        except etree.XPathSyntaxError as exc:
            raise SourceError(f"invalid XPath in the mapping: {exc}") from exc

    def _record(
        self, elem: etree._Element
    ) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        fields = {f: _values(xp(elem)) for f, xp in self.fields.items()}
        groups = {
            g: [{f: _values(xp(sub)) for f, xp in subs.items()} for sub in select(elem)]
            for g, (select, subs) in self.groups.items()
        }
        return fields, groups

    def records(self) -> Iterator[SourceRecord]:
        index = 0
        opened: dict[str, Any] = {}  # the record element being read: its line and attributes
        context = etree.iterparse(
            str(self.path),
            events=("start", "end"),
            tag=self.tag,
            huge_tree=True,
            resolve_entities=False,
            no_network=True,
        )
        try:
            for event, elem in context:
                if event == "start":
                    opened = {"line": elem.sourceline, "attributes": dict(elem.attrib)}
                    continue
                opened = {}
                fields, groups = self._record(elem)
                locator = f"{self.name}#{self.records_path}[{index + 1}] (line {elem.sourceline})"
                yield SourceRecord(index, locator, fields, groups)
                index += 1
                elem.clear(keep_tail=False)
                parent = elem.getparent()
                while parent is not None and elem.getprevious() is not None:
                    del parent[0]
        except etree.XMLSyntaxError as exc:
            if index == 0 and "Document is empty" in str(exc.msg):
                raise SourceError(
                    f"{self.name} holds no XML", hint="is it the right file?"
                ) from exc
            yield self._broken(index, exc, opened)

    def _broken(
        self, index: int, exc: etree.XMLSyntaxError, opened: dict[str, Any]
    ) -> SourceRecord:
        """The record cut off by a break: its position, opening line and attributes (its id),
        so the entry says which record was lost, not only where the file broke."""
        line = exc.position[0] if exc.position else "?"
        reason = f"XML is not well-formed at line {line}: {exc.msg} (truncated or damaged file)"
        if not opened:
            return SourceRecord(index, f"{self.name}:{line}", {}, problem=reason)
        attrs = ", ".join(f"{k}={v!r}" for k, v in opened["attributes"].items())
        which = f"record {index + 1}, opened at line {opened['line']}" + (
            f" ({attrs})" if attrs else ""
        )
        locator = f"{self.name}#{self.records_path}[{index + 1}] (line {opened['line']})"
        fields = {"cut_off_record": which, **{f"@{k}": v for k, v in opened["attributes"].items()}}
        return SourceRecord(index, locator, fields, problem=f"{which} is cut off: {reason}")
