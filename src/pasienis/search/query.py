"""Run a search: candidates by key lookup and full text, scored, grouped, faceted, paged.

Every candidate query carries the caller's datasets, so rows of other compartments never
contribute a candidate, a snippet or a facet count. Work is bounded whatever the query: each
key contributes at most ``POSTINGS`` postings (read from the covering primary key of
``search_postings``), each source at most ``CANDIDATES`` rows, and only those are loaded and
scored; snippets are made for the returned page only. ``total`` and facets therefore count the
scored candidates, and ``truncated`` says when a bound was reached: the real number is then at
least ``total`` (the API and CLI show it as "≥").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Select, TextClause, bindparam, or_, select, text, union_all

from pasienis.model.models import resolver
from pasienis.model.names import ascii_name
from pasienis.search.errors import QueryError
from pasienis.search.indexer import parse_body_line
from pasienis.search.keys import query_key_tiers
from pasienis.search.models import search_entities, search_keys
from pasienis.search.schemas import MAX_LIMIT, MAX_QUERY_LENGTH, Hit, SearchQuery, SearchResult
from pasienis.search.scoring import highlight, score_row
from pasienis.store import Store

CANDIDATES = 60
#: Postings read per key: a first name shared by 25,000 rows at 1M contributes 250 of them,
#: while the pair keys of a full name (the rows holding both parts) are far fewer.
POSTINGS = 250
#: Keys looked up per query (a long query's pair keys are many; the first parts carry it).
MAX_KEYS = 400
#: Hits scoring below this are noise (a shared first name alone scores about 0.5).
MIN_SCORE = 0.3
MAX_TOKENS = 12
_TOKEN = re.compile(r"[a-z0-9]+")
#: A word of three letters or more: what trigram similarity of names can find.
_WORDY = re.compile(r"(?:^|\s)[a-z]{3,}(?:\s|$)")
#: A Latin letter next to a Cyrillic one (either order): two words typed without the space.
_SCRIPT_SEAM = re.compile(
    r"(?<=[A-Za-z\u00c0-\u024f])(?=[\u0400-\u04ff])|(?<=[\u0400-\u04ff])(?=[A-Za-z\u00c0-\u024f])"
)


def split_scripts(text: str) -> str:
    """A Cyrillic surname glued to a Latin first name becomes two words: a script change
    inside a word is a missing space (folding would otherwise make one unknown word of it)."""
    return _SCRIPT_SEAM.sub(" ", text)


@dataclass
class _Row:
    id: int
    entity_id: str
    dataset: str
    schema: str
    caption: str
    names: list[str]
    body: list[tuple[str, str, str]]
    countries: list[str]
    name_keys: list[list[str]]


def check_query(query: SearchQuery) -> list[str]:
    """Validate and return the query's folded tokens; a clear 400 for what cannot run."""
    text = split_scripts(query.text).strip()
    if not text:
        raise QueryError("the search query is empty", hint="type a name, a number or a plate")
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"the search query is {len(text)} characters long; at most {MAX_QUERY_LENGTH}"
        )
    if not 1 <= query.limit <= MAX_LIMIT or query.offset < 0:
        raise QueryError(f"limit must be 1..{MAX_LIMIT} and offset ≥ 0")
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise QueryError("date_from is after date_to")
    tokens = _TOKEN.findall(ascii_name(text))
    if not tokens:
        raise QueryError(
            "the search query has no letters or digits", hint="punctuation alone finds nothing"
        )
    return tokens[:MAX_TOKENS]


def _filters(query: SearchQuery) -> list:
    t = search_entities.c
    where = []
    if query.schemas:
        where.append(t.schema.in_(list(query.schemas)))
    if query.countries:
        where.append(or_(*(t.countries.like(f"% {c.lower()} %") for c in query.countries)))
    if query.date_from:
        where.append(t.date_max >= query.date_from.isoformat())
    if query.date_to:
        where.append(t.date_min <= query.date_to.isoformat())
    return where


def _postings(key: str, datasets: list[str], where: list) -> Select:
    t = search_keys.c
    q = select(t.key, t.row_id).where(t.key == key, t.dataset.in_(datasets))
    if where:
        q = q.join(search_entities, search_entities.c.id == t.row_id).where(*where)
    sub = q.limit(POSTINGS).subquery()
    return select(sub.c.key, sub.c.row_id)


@lru_cache(maxsize=128)
def _postings_sql(arms: int) -> TextClause:
    """One compound SELECT of ``arms`` per-key reads (text: compiling a 100-arm SQLAlchemy
    union per query cost more than running it)."""
    arm = (
        "SELECT key, row_id FROM (SELECT key, row_id FROM search_postings "
        "WHERE key = :k{i} AND dataset IN :datasets LIMIT :postings) AS p{i}"
    )
    sql = " UNION ALL ".join(arm.format(i=i) for i in range(arms))
    return text(sql).bindparams(bindparam("datasets", expanding=True))


def _read_postings(
    conn: Connection, keys: list[str], datasets: list[str], where: list
) -> list[tuple[str, int]]:
    if where:  # filtered: each arm joins the rows (rarer, compiled by SQLAlchemy)
        return [tuple(r) for r in conn.execute(union_all(*(_postings(k, datasets, where)
                                                           for k in keys))).all()]  # fmt: skip
    params: dict[str, object] = {f"k{i}": k for i, k in enumerate(keys)}
    params.update(datasets=datasets, postings=POSTINGS)
    return conn.execute(_postings_sql(len(keys)), params).all()  # type: ignore[return-value]


def _key_candidates(
    conn: Connection, tiers: list[set[str]], datasets: list[str], where: list
) -> tuple[list[tuple[int, float]], bool, bool]:
    """Rows sharing the rarest keys with the query, at most ``POSTINGS`` read per key.

    Tiers (:func:`query_key_tiers`) are read in order until one leaves at least
    ``CANDIDATES`` rows found. A row's rank is the sum over its keys of 1 / (postings read
    of that key): a row in the short list of a rare pair outranks the 250 read of a pair
    shared by a third of all companies, whatever the row ids. Returns the candidates and
    whether a bound was reached: a key gave ``POSTINGS`` rows (it may have more), a tier was
    left unread, or more rows than ``CANDIDATES`` matched; and whether the first (exact) tier
    alone filled the candidates.
    """
    weight: dict[int, float] = defaultdict(float)
    full = exact = False
    budget = MAX_KEYS
    for depth, tier in enumerate(tiers):
        if len(weight) >= CANDIDATES:
            full = full or any(tiers[depth:])
            exact = depth == 1
            break
        ordered = sorted(tier)[:budget]
        full = full or len(ordered) < len(tier)
        budget -= len(ordered)
        for start in range(0, len(ordered), 100):  # compound SELECTs stay under 500 arms
            by_key: defaultdict[str, list[int]] = defaultdict(list)
            for key, row_id in _read_postings(conn, ordered[start : start + 100], datasets, where):
                by_key[key].append(row_id)
            for ids in by_key.values():
                full = full or len(ids) >= POSTINGS
                share = 1.0 / len(ids)
                for row_id in ids:
                    weight[row_id] += share
    top = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
    exact = exact or (len(tiers) == 1 and len(top) >= CANDIDATES)
    return [(int(r), w) for r, w in top[:CANDIDATES]], full or len(top) > CANDIDATES, exact


def _load(conn: Connection, ids: Iterable[int], where: list) -> list[_Row]:
    t = search_entities.c
    cols = (t.id, t.entity_id, t.dataset, t.schema, t.caption, t.names, t.body, t.countries,
            t.name_keys)  # fmt: skip
    rows: list[_Row] = []
    ids = sorted(set(ids))
    for start in range(0, len(ids), 500):
        q = select(*cols).where(t.id.in_(ids[start : start + 500]), *where)
        for r in conn.execute(q):
            body = [parse_body_line(b) for b in r.body.split("\n") if b]
            names = [n for n in r.names.split("\n") if n]
            keys = [line.split() for line in r.name_keys.split("\n")] if names else []
            rows.append(_Row(r.id, r.entity_id, r.dataset, r.schema, r.caption, names, body,
                             r.countries.split(), keys))  # fmt: skip
    return rows


def _canonical(conn: Connection, entity_ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ids = sorted(set(entity_ids))
    for start in range(0, len(ids), 500):
        q = select(resolver.c.entity_id, resolver.c.canonical_id).where(
            resolver.c.entity_id.in_(ids[start : start + 500])
        )
        found.update(dict(conn.execute(q).all()))  # type: ignore[arg-type]
    return found


def search(
    store: Store, conn: Connection, query: SearchQuery, *, datasets: Iterable[str]
) -> SearchResult:
    """Search the index as a caller who may read ``datasets`` (compartments)."""
    tokens = check_query(query)
    visible = sorted(set(datasets) & set(query.datasets) if query.datasets else set(datasets))
    if not visible:
        return SearchResult(query=query, total=0, hits=[], facets=_facets([]))
    where = _filters(query)
    typed = split_scripts(query.text)
    tiers = query_key_tiers(typed)
    qkeys = set().union(*tiers)
    ranked: dict[int, float] = defaultdict(float)
    by_key, truncated, exact = _key_candidates(conn, tiers, visible, where)
    sources = [by_key]
    if not exact:
        # Full text finds a word typed in part ("Shevch") or held outside names and codes;
        # when exact keys filled the candidates it would only add rows of the same words.
        sources.append(store.dialect.fts_candidates(  # type: ignore[attr-defined]
            conn, tokens=tokens, datasets=visible, limit=CANDIDATES
        ))  # fmt: skip
    if len(by_key) < CANDIDATES and _WORDY.search(" ".join(tokens)):
        # trigram similarity of names, for what the keys did not find (a code is no name)
        sources.append(
            store.dialect.fuzzy_candidates(  # type: ignore[attr-defined]
                conn, text=" ".join(tokens), datasets=visible, limit=CANDIDATES
            )
        )
    for found in sources:
        for row_id, rank in found:
            ranked[row_id] = max(ranked[row_id], rank)
    truncated = truncated or any(len(found) >= CANDIDATES for found in sources[1:])
    rows = _load(conn, ranked, where)
    canonical = _canonical(conn, [r.entity_id for r in rows])
    hits = _group(typed, qkeys, rows, ranked, canonical)
    hits.sort(key=lambda h: (-h[0].score, -h[1], h[0].entity_id))
    page = [h for h, _ in hits[query.offset : query.offset + query.limit]]
    for hit in page:  # snippets only for the hits shown: highlighting is the costly part
        hit.snippet = _snippet(typed, hit.row, hit.matched)
    return SearchResult(
        query=query, total=len(hits), hits=page, facets=_facets([h for h, _ in hits]),
        truncated=truncated,
    )  # fmt: skip


def _group(
    text: str, qkeys: set[str], rows: list[_Row], ranked: dict[int, float],
    canonical: dict[str, str],
) -> list[tuple[Hit, float]]:  # fmt: skip
    """One hit per canonical entity: its best-scoring visible row gives caption and snippet."""
    best: dict[str, tuple[Hit, float]] = {}
    for row in rows:
        match = score_row(text, qkeys, row.names, row.body, row.name_keys)
        if match.score < MIN_SCORE:
            continue
        eid = canonical.get(row.entity_id, row.entity_id)
        found = best.get(eid)
        if found is None:
            hit = Hit(eid, row.schema, row.caption, match.score, [row.dataset],
                      sorted(row.countries), "", list(match.matched), row=row)  # fmt: skip
            best[eid] = (hit, ranked[row.id])
            continue
        hit, rank = found
        hit.datasets = sorted({*hit.datasets, row.dataset})
        hit.countries = sorted({*hit.countries, *row.countries})
        if match.score > hit.score:
            hit.score, hit.caption, hit.schema = match.score, row.caption, row.schema
            hit.row, hit.matched = row, list(match.matched)
        best[eid] = (hit, max(rank, ranked[row.id]))
    return list(best.values())


def _snippet(text: str, row: _Row, matched: Sequence[str]) -> str:
    """The names and the matched value, highlighted; only this row's (dataset's) values."""
    parts = [highlight(n, text) for n in row.names[:3]]
    for m in matched:
        if not m.startswith("name: "):
            parts.append(highlight(m, text))
    if not parts:
        parts = [highlight(f"{p}: {v}", text) for p, _, v in row.body[:3]]
    return " · ".join(parts)


def _facets(hits: list[Hit]) -> dict[str, dict[str, int]]:
    schema, country, dataset = Counter[str](), Counter[str](), Counter[str]()
    for h in hits:
        schema[h.schema] += 1
        country.update(h.countries)
        dataset.update(h.datasets)
    return {
        "schema": dict(schema.most_common()),
        "country": dict(country.most_common()),
        "dataset": dict(dataset.most_common()),
    }


__all__ = ["CANDIDATES", "MIN_SCORE", "check_query", "search"]
