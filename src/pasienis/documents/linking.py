"""Linking mentions to resolved entities: a link with its score and evidence, or no link.

Layering: documents and resolve are siblings and never import each other. The extractor
(:mod:`.extract`) finds which *source* entities a text could name (name keys with case and
script forms, validated identifiers); identity is the resolver's decision, read here through
the mapping it writes in the entity model (:func:`pasienis.model.canonical_ids`). Five
crossing records of one driver are one candidate; two namesakes the resolver keeps apart stay
two, and then the document's other mentions decide (the candidate related to the vehicle,
account or phone the same document names). Too little evidence leaves the mention unlinked,
with its candidates listed. Results go to :data:`pasienis.model.mention_links.mention_links`
(the graph reads them there); analysts' judgements override the linker and survive re-links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from pasienis.documents.extract import IDENTIFIER_ENTITIES, Found, known_identifiers
from pasienis.documents.extract.context import related_entities
from pasienis.documents.extract.known import identifier_holders
from pasienis.documents.models import mention_judgements
from pasienis.geo import geodesic_m
from pasienis.model import canonical_ids, members_of_canonicals
from pasienis.model.models import statements

#: A link needs at least this score; below it the mention stays unlinked with its candidates.
LINK_THRESHOLD = 0.85
#: Score of each rule (why a mention names an entity). Identifiers are validated (check digit,
#: phone metadata, IBAN checksum) and compared exactly; a name matches token keys exactly.
SCORES = {
    "identifier": 0.99,  # a validated identifier equal to a stored value
    "new-identifier": 0.99,  # an identifier no entity holds yet: its own new entity
    "name+context": 0.97,  # the name of one resolved entity, which the context also supports
    "name": 0.9,  # the name of exactly one resolved entity (its namesakes merged, or none)
    "context": 0.9,  # namesakes: the only one the document's other mentions support
    "same-place": 0.9,  # places of one name at one spot (a village and its border checkpoint)
    "namesakes": 0.5,  # several resolved entities, nothing in the document tells them apart
    "shared-identifier": 0.5,  # several resolved entities hold the value (a shared phone)
    # the one left after an analyst rejected the others: a judgement is no evidence for it
    "left-after-reject": 0.5,
    "unknown-name": 0.0,  # a name found by NER: no entity in the store
    "confirmed": 1.0,  # an analyst confirmed it
}
#: Identifier kinds linked to the entity holding the value (no new entity when none does).
HOLDER_KINDS = {
    "lt_company_code": "identifier",
    "lt_personal_code": "identifier",
    "passport": "identifier",
    "vin": "identifier",
    "email": "email",
}
NAME_KINDS = frozenset({"person", "company", "place"})
#: Places of one name closer than this are one place ("Medininkai" the village, the checkpoint).
SAME_PLACE_M = 5_000
#: Which of one place's entities a mention links to: the customs facility first.
PLACE_PREFERENCE = ("BorderCheckpoint",)
LINKABLE = NAME_KINDS | set(IDENTIFIER_ENTITIES) | set(HOLDER_KINDS)


@dataclass(slots=True)
class Decision:
    """The link of one mention: ``status`` linked/unlinked/confirmed/rejected."""

    status: str
    entity_id: str | None
    score: float
    evidence: dict[str, Any]
    judgement_id: str | None = None


@dataclass
class DocumentMentions:
    """One document's mentions to link, with their ids and, once read, judgements."""

    document_id: str
    found: list[Found]
    mention_ids: list[str]
    new_entities: set[str] = field(default_factory=set)


def holder_entities(
    conn: Connection, found: Iterable[Found], *, datasets: Iterable[str] | None
) -> None:
    """Set ``entity_id`` of personal/company codes, VINs, e-mails held by a stored entity."""
    wanted = [(HOLDER_KINDS[f.kind], f.value) for f in found if f.kind in HOLDER_KINDS]
    if not wanted:
        return
    known = known_identifiers(conn, wanted, datasets=datasets)
    for f in found:
        if f.kind in HOLDER_KINDS and not f.entity_id:
            f.entity_id = known.get((HOLDER_KINDS[f.kind], f.value))


#: Entities that *are* an identifier rather than hold it: when a person or company also holds
#: the value, the mention is linked to the holder (the graph connects the document to them).
IDENTIFIER_SCHEMATA = frozenset({"PhoneNumber"})


def identifier_candidates(
    conn: Connection, found: Iterable[Found], new: set[str], *, datasets: Iterable[str] | None
) -> None:
    """Every stored holder of each identifier becomes a candidate (not the first one found):
    a phone two persons share names neither of them for sure."""
    todo = [f for f in found if f.entity_id and f.entity_id not in new
            and (f.kind in IDENTIFIER_ENTITIES or f.kind in HOLDER_KINDS)]  # fmt: skip
    if not todo:
        return
    wanted = set()
    for f in todo:
        ptype = HOLDER_KINDS.get(f.kind) or IDENTIFIER_ENTITIES[f.kind][0]
        wanted |= {(ptype, f.value), ("identifier", f.value)}
    holders = identifier_holders(conn, wanted, datasets=datasets)
    for f in todo:
        ptype = HOLDER_KINDS.get(f.kind) or IDENTIFIER_ENTITIES[f.kind][0]
        both = holders.get((ptype, f.value), []) + holders.get(("identifier", f.value), [])
        ids = list(dict.fromkeys(e for e, _s in both))
        persons = [e for e, schema in both if schema not in IDENTIFIER_SCHEMATA]
        if persons:
            ids = list(dict.fromkeys(persons))
        if len(ids) > 1:
            f.candidates = tuple(ids)
        elif ids:
            f.entity_id = ids[0]


def latest_judgements(conn: Connection, mention_ids: Iterable[str]) -> dict[str, Any]:
    """mention id -> its latest judgement row (``clear`` ones included: they end the rest)."""
    ids = sorted(set(mention_ids))
    out: dict[str, Any] = {}
    j = mention_judgements.c
    for start in range(0, len(ids), 1000):
        rows = conn.execute(
            select(mention_judgements)
            .where(j.mention_id.in_(ids[start : start + 1000]))
            .order_by(j.created_at, j.id)
        )
        for row in rows:
            out[row.mention_id] = row
    return out


def _candidates(f: Found) -> list[str]:
    if f.candidates:
        return list(f.candidates)
    return [f.entity_id] if f.entity_id else []


def _rejected(conn: Connection, judgements: dict[str, Any]) -> dict[str, set[str]]:
    """mention id -> canonical ids an analyst rejected for it (read through today's resolver)."""
    rows = {m: r for m, r in judgements.items() if r.decision == "reject" and r.entity_id}
    canon = canonical_ids(conn, [r.entity_id for r in rows.values()])
    return {m: {canon[r.entity_id]} for m, r in rows.items()}


class Linker:
    """Decides the links of a batch of documents with one set of store reads."""

    def __init__(
        self, conn: Connection, *, datasets: Iterable[str] | None, resolved: bool = True
    ) -> None:
        self.conn = conn
        self.datasets = sorted(datasets) if datasets is not None else None
        #: ``False``: each source entity is its own candidate (the unresolved baseline).
        self.resolved = resolved

    def canon(self, ids: Iterable[str]) -> dict[str, str]:
        wanted = list(ids)
        return canonical_ids(self.conn, wanted) if self.resolved else {i: i for i in wanted}

    def link(self, docs: list[DocumentMentions]) -> dict[str, Decision]:
        """mention id -> decision for every linkable mention of ``docs``."""
        all_ids = [m for d in docs for m in d.mention_ids]
        judgements = latest_judgements(self.conn, all_ids)
        rejected = _rejected(self.conn, judgements)
        canon = self.canon({c for d in docs for f in d.found for c in _candidates(f)})
        clusters = {
            mid: [c for c in dict.fromkeys(canon[x] for x in _candidates(f))
                  if c not in rejected.get(mid, ())]
            for d in docs for f, mid in zip(d.found, d.mention_ids, strict=True)
        }  # fmt: skip
        support = self._support(docs, clusters, canon)
        places = self._same_places(docs, clusters)
        out: dict[str, Decision] = {}
        for d in docs:
            for f, mid in zip(d.found, d.mention_ids, strict=True):
                if f.kind not in LINKABLE:
                    continue
                narrowed = bool(rejected.get(mid))
                decision = self._decide(
                    f, d, clusters[mid], support.get(mid, {}), canon, narrowed=narrowed
                )
                if decision.evidence["rule"] == "namesakes" and mid in places:
                    decision = _same_place(decision, places[mid])
                out[mid] = _judged(decision, judgements.get(mid), rejected.get(mid))
        return out

    def _context(self, d: DocumentMentions, clusters: dict[str, list[str]]) -> set[str]:
        """Canonical ids the document names without doubt (identifiers, unique names)."""
        return {
            cs[0] for f, mid in zip(d.found, d.mention_ids, strict=True)
            if len(cs := clusters[mid]) == 1 and f.entity_id not in d.new_entities
        }  # fmt: skip

    def _support(
        self, docs: list[DocumentMentions], clusters: dict[str, list[str]],
        canon: dict[str, str],
    ) -> dict[str, dict[str, list[str]]]:  # fmt: skip
        """mention id -> candidate -> the document's other entities related to it."""
        names = [
            (d, mid) for d in docs for f, mid in zip(d.found, d.mention_ids, strict=True)
            if f.kind in NAME_KINDS and clusters[mid]
        ]  # fmt: skip
        wanted = {c for _d, mid in names for c in clusters[mid]}
        if not wanted:
            return {}
        members = (
            members_of_canonicals(self.conn, wanted) if self.resolved else {c: {c} for c in wanted}
        )
        related = related_entities(
            self.conn, {m for ms in members.values() for m in ms}, datasets=self.datasets
        )
        far = self.canon({o for others in related.values() for o in others})
        near = {c: {far[o] for m in members[c] for o in related.get(m, ())} - {c} for c in wanted}
        contexts = {d.document_id: self._context(d, clusters) for d in docs}
        return {
            mid: {c: sorted(near[c] & contexts[d.document_id]) for c in clusters[mid]}
            for d, mid in names
        }

    def _same_places(
        self, docs: list[DocumentMentions], clusters: dict[str, list[str]]
    ) -> dict[str, str]:
        """mention id -> the entity to link when all its candidate places are one spot."""
        wanted = {
            mid: clusters[mid] for d in docs for f, mid in zip(d.found, d.mention_ids, strict=True)
            if f.kind == "place" and len(clusters[mid]) > 1
        }  # fmt: skip
        if not wanted:
            return {}
        where = _places(self.conn, {c for cs in wanted.values() for c in cs})
        out = {}
        for mid, cands in wanted.items():
            spots = [where.get(c) for c in cands]
            if any(s is None for s in spots):
                continue
            first = spots[0]
            if all(geodesic_m(first[1], first[2], s[1], s[2]) <= SAME_PLACE_M for s in spots):
                ranked = sorted(cands, key=lambda c: (where[c][0] not in PLACE_PREFERENCE, c))
                out[mid] = ranked[0]
        return out

    def _decide(
        self, f: Found, d: DocumentMentions, clusters: list[str], support: dict[str, list[str]],
        canon: dict[str, str], *, narrowed: bool = False,
    ) -> Decision:  # fmt: skip
        evidence: dict[str, Any] = {
            "method": f.method, "value": f.value, "matched": f.entity_id,
            "sources": _candidates(f),
            # what the sources resolved to when decided: a re-link is due when this moves
            "resolved_to": sorted({canon[x] for x in _candidates(f)}),
            "resolved": self.resolved, "datasets": self.datasets,
            "candidates": [
                {"canonical": c, "support": support.get(c, [])} for c in clusters
            ],
        }  # fmt: skip
        if f.kind in NAME_KINDS:
            rule, chosen = _name_rule(clusters, support, narrowed=narrowed)
        elif not clusters:
            rule, chosen = "unknown-identifier", None
        elif len(clusters) > 1:
            rule, chosen = "shared-identifier", None
        elif f.entity_id in d.new_entities:
            rule, chosen = "new-identifier", clusters[0]
        else:
            rule, chosen = "identifier", clusters[0]
        score = SCORES.get(rule, 0.0)
        evidence["rule"] = rule
        if chosen is not None and score >= LINK_THRESHOLD:
            return Decision("linked", chosen, score, evidence)
        return Decision("unlinked", None, score, evidence)


def _name_rule(
    clusters: list[str], support: dict[str, list[str]], *, narrowed: bool
) -> tuple[str, str | None]:
    if not clusters:
        return ("left-after-reject" if narrowed else "unknown-name"), None
    if len(clusters) == 1:
        if support.get(clusters[0]):
            return "name+context", clusters[0]
        return ("left-after-reject" if narrowed else "name"), clusters[0]
    counts = {c: len(support.get(c, [])) for c in clusters}
    best = max(counts.values())
    winners = [c for c in clusters if counts[c] == best]
    if best and len(winners) == 1:
        return "context", winners[0]
    return "namesakes", None


def _places(conn: Connection, ids: set[str]) -> dict[str, tuple[str, float, float]]:
    """entity id -> (schema, latitude, longitude) for the places among ``ids`` that have both."""
    s = statements.c
    found: dict[str, dict[str, Any]] = defaultdict(dict)
    query = select(s.entity_id, s.schema, s.prop, s.value).where(
        s.entity_id.in_(sorted(ids)), s.prop.in_(["latitude", "longitude"])
    )
    for entity_id, schema, prop, value in conn.execute(query):
        found[entity_id]["schema"] = schema
        try:
            found[entity_id].setdefault(prop, float(value))
        except ValueError:  # not a coordinate: the place has no usable spot
            continue
    return {
        e: (v["schema"], v["latitude"], v["longitude"])
        for e, v in found.items() if "latitude" in v and "longitude" in v
    }  # fmt: skip


def _same_place(decision: Decision, entity: str) -> Decision:
    decision.evidence["rule"] = "same-place"
    decision.evidence["same_place_m"] = SAME_PLACE_M
    return Decision("linked", entity, SCORES["same-place"], decision.evidence)


def _judged(decision: Decision, judgement: Any, rejected: set[str] | None) -> Decision:
    """The linker's decision with the analyst's judgement applied (confirm wins)."""
    if judgement is None or judgement.decision == "clear":
        return decision
    decision.judgement_id = judgement.id
    decision.evidence["judgement"] = {
        "id": judgement.id, "decision": judgement.decision, "entity_id": judgement.entity_id,
        "actor": judgement.actor, "reason": judgement.reason,
        "at": judgement.created_at.isoformat() if judgement.created_at else None,
    }  # fmt: skip
    if judgement.decision == "confirm":
        return Decision("confirmed", judgement.entity_id, SCORES["confirmed"],
                        decision.evidence, judgement.id)  # fmt: skip
    if decision.status == "linked":  # another candidate still stands on its own evidence
        return decision
    decision.status, decision.entity_id = "rejected", None
    decision.evidence["rejected"] = sorted(rejected or ())
    return decision
