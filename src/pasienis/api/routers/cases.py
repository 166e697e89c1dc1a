"""Cases: a case groups charts, notes, entities, documents and alerts, with members.

Membership is a case grant (read or write). What an item holds keeps the datasets it came
from, computed here from what the caller can read (never taken from the request), so a
member without those grants does not see it. Every read of a case is audited.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from pasienis.api.deps import AuditorDep, Principal, Role, require, visible_datasets
from pasienis.api.routers.graph import service as graph_service
from pasienis.cases import (
    CaseItemError,
    activity,
    add_item,
    create_case,
    get_case,
    get_item,
    list_cases,
    remove_item,
    share,
    unshare,
    update_case,
    update_item,
)
from pasienis.cases.schemas import (
    CaseCreate,
    CaseUpdate,
    ChartState,
    ItemCreate,
    ItemUpdate,
    MemberAdd,
)
from pasienis.documents import get_document
from pasienis.errors import NotFoundError
from pasienis.graph import queries
from pasienis.graph.service import decode_edge, edges_json, nodes_json
from pasienis.model.service import entity_statement_rows
from pasienis.watch import get_alert

router = APIRouter(prefix="/api/cases", tags=["cases"])
# Cases hold personal data (entities, charts): analysts only; membership by case grants.
Analyst = Annotated[Principal, Depends(require(Role.analyst))]


def _store(request: Request) -> Any:
    return request.app.state.store


def _scope(who: Principal) -> dict[str, Any]:
    return {"case_ids": who.compartments}


@router.get("")
def cases(request: Request, who: Analyst, audit: AuditorDep) -> list[dict[str, Any]]:
    """The cases the caller is a member of."""
    with _store(request).read() as conn:
        found = list_cases(conn, case_ids=who.compartments)
    audit.record("case.list", detail={"count": len(found)}, read=False)
    return found


@router.post("", status_code=201)
def new_case(request: Request, body: CaseCreate, who: Analyst, audit: AuditorDep) -> dict:
    with _store(request).begin() as conn:
        made = create_case(conn, title=body.title, description=body.description,
                           actor_id=who.user_id, actor=who.name)  # fmt: skip
    audit.record("case.create", query=made["id"], read=False)
    return made


@router.get("/{case_id}")
def case(request: Request, case_id: str, who: Analyst, audit: AuditorDep) -> dict[str, Any]:
    """A case: members, and the items the caller's grants cover (``hidden`` counts others)."""
    try:
        with _store(request).read() as conn:
            out = get_case(conn, case_id, datasets=visible_datasets(who), **_scope(who))
    except NotFoundError:
        audit.record("case.read", query=case_id, outcome="not-found")
        raise
    refs = [i["ref"] for i in out["items"] if i["kind"] == "entity"]
    audit.record("case.read", query=case_id, entity_ids=refs)
    return out


@router.patch("/{case_id}")
def edit_case(request: Request, case_id: str, body: CaseUpdate, who: Analyst,
              audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    with _store(request).begin() as conn:
        out = update_case(conn, case_id, user_id=who.user_id, actor=who.name,
                          changes=body.model_dump(exclude_none=True), **_scope(who))  # fmt: skip
    audit.record("case.update", query=case_id, read=False)
    return out


@router.post("/{case_id}/members")
def add_member(request: Request, case_id: str, body: MemberAdd, who: Analyst,
               audit: AuditorDep) -> list[dict[str, Any]]:  # fmt: skip
    with _store(request).begin() as conn:
        out = share(conn, case_id, user_id=who.user_id, actor=who.name, **_scope(who),
                    **body.model_dump())  # fmt: skip
    audit.record("case.share", query=case_id, detail=body.model_dump(), read=False)
    return out


@router.delete("/{case_id}/members/{grantee_kind}/{grantee}")
def remove_member(request: Request, case_id: str, grantee_kind: str, grantee: str,
                  who: Analyst, audit: AuditorDep) -> list[dict[str, Any]]:  # fmt: skip
    if grantee_kind not in ("user", "group"):
        raise CaseItemError("a member is a user or a group")
    with _store(request).begin() as conn:
        out = unshare(conn, case_id, user_id=who.user_id, actor=who.name,
                      grantee_kind=grantee_kind, grantee=grantee, **_scope(who))  # fmt: skip
    audit.record("case.unshare", query=case_id, detail={"grantee": grantee}, read=False)
    return out


def chart_datasets(request: Request, chart: ChartState, datasets: frozenset[str]) -> list[str]:
    """The datasets a chart's nodes and edges come from, as the caller sees them now; a node
    or edge the caller cannot see (or that no longer exists) refuses the save."""
    with graph_service(request).view(datasets) as view:
        try:
            idx = [queries.node_index(view, n.id) for n in chart.nodes]
            edges = [decode_edge(view, e.id) for e in chart.edges]
        except NotFoundError as exc:
            raise CaseItemError(f"the chart holds something you cannot see: {exc}",
                                hint="expand the chart again and save") from exc  # fmt: skip
        found: set[str] = set()
        for n in nodes_json(view, idx):
            found.update(n["datasets"])
        for e in edges_json(view, edges):
            found.update(e["datasets"])
    return sorted(found)


def _ref_datasets(conn: Any, kind: str, ref: str, datasets: frozenset[str]) -> list[str]:
    if kind == "entity":
        _, rows = entity_statement_rows(conn, ref, datasets=datasets)
        if not rows:
            raise NotFoundError(f"no entity {ref!r}")
        return sorted({r.dataset for r in rows})
    if kind == "document":
        return [get_document(conn, ref, datasets=datasets)["dataset"]]
    alert = get_alert(conn, alert_id=ref, datasets=datasets)
    return sorted({alert["record_dataset"], alert["entry_dataset"]})


def _content(request: Request, kind: str, body: ItemCreate | ItemUpdate,
             datasets: frozenset[str]) -> tuple[Any, list[str]]:  # fmt: skip
    if kind == "chart":
        if body.chart is None:
            raise CaseItemError("a chart item needs its chart")
        return body.chart.model_dump(mode="json"), chart_datasets(request, body.chart, datasets)
    if kind == "note":
        if not body.note:
            raise CaseItemError("a note needs its text")
        return {"text": body.note}, []
    return None, []


@router.post("/{case_id}/items", status_code=201)
def new_item(request: Request, case_id: str, body: ItemCreate, who: Analyst,
             audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Add an entity, document or alert (by ``ref``), a chart or a note to a case."""
    datasets = visible_datasets(who)
    content, from_sets = _content(request, body.kind, body, datasets)
    with _store(request).begin() as conn:
        if body.ref and body.kind in ("entity", "document", "alert"):
            from_sets = _ref_datasets(conn, body.kind, body.ref, datasets)
        out = add_item(conn, case_id, user_id=who.user_id, actor=who.name, kind=body.kind,
                       ref=body.ref, title=body.title, body=content, datasets=from_sets,
                       **_scope(who))  # fmt: skip
    audit.record("case.item.add", query=case_id, detail={"item": out["id"], "kind": body.kind},
                 entity_ids=[body.ref] if body.kind == "entity" and body.ref else [])  # fmt: skip
    return out


@router.get("/{case_id}/items/{item_id}")
def item(request: Request, case_id: str, item_id: str, who: Analyst,
         audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """One item in full: a chart with every element and its saved view."""
    try:
        with _store(request).read() as conn:
            out = get_item(conn, case_id, item_id, datasets=visible_datasets(who), **_scope(who))
    except NotFoundError:
        audit.record("case.item.read", query=case_id, outcome="not-found")
        raise
    nodes = (out.get("body") or {}).get("nodes", []) if out["kind"] == "chart" else []
    audit.record("case.item.read", query=case_id, entity_ids=[n["id"] for n in nodes])
    return out


@router.put("/{case_id}/items/{item_id}")
def save_item(request: Request, case_id: str, item_id: str, body: ItemUpdate, who: Analyst,
              audit: AuditorDep) -> dict[str, Any]:  # fmt: skip
    """Save a chart or a note again (``version``: the one you opened, to catch overwrites)."""
    datasets = visible_datasets(who)
    with _store(request).read() as conn:
        kind = get_item(conn, case_id, item_id, datasets=datasets, **_scope(who))["kind"]
    content, from_sets = _content(request, kind, body, datasets)
    with _store(request).begin() as conn:
        out = update_item(conn, case_id, item_id, user_id=who.user_id, actor=who.name,
                          title=body.title, body=content, datasets=from_sets,
                          version=body.version, **_scope(who))  # fmt: skip
    audit.record("case.item.save", query=case_id, detail={"item": item_id}, read=False)
    return out


@router.delete("/{case_id}/items/{item_id}", status_code=204)
def delete_item(request: Request, case_id: str, item_id: str, who: Analyst,
                audit: AuditorDep) -> Response:  # fmt: skip
    with _store(request).begin() as conn:
        remove_item(conn, case_id, item_id, user_id=who.user_id, actor=who.name, **_scope(who))
    audit.record("case.item.remove", query=case_id, detail={"item": item_id}, read=False)
    return Response(status_code=204)


@router.get("/{case_id}/activity")
def case_activity(request: Request, case_id: str, who: Analyst, audit: AuditorDep,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict]:  # fmt: skip
    """What happened to the case, newest first."""
    with _store(request).read() as conn:
        out = activity(conn, case_id, limit=limit, **_scope(who))
    audit.record("case.activity", query=case_id, read=False)
    return out
