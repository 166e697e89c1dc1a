"""Incremental candidates through the feature indexes equal the rules evaluated by brute
force; term frequencies count distinct feature rows, not records."""

from __future__ import annotations

import itertools

from pasienis.resolve import engine as eng
from pasienis.resolve.features import fold, save_features
from pasienis.resolve.incremental import blocked_candidates
from pasienis.resolve.kinds import kind_of
from pasienis.store import Store

FIRST = ["Jonas", "Petras", "Olga", "Igor"]
LAST = ["Kazlauskas", "Ivanov", "Petrova", "Butkus", "Melnyk"]
DATES = ["1970-01-02", "1970-02-01", "1981-05-05", "1970"]


def _rows() -> list[dict]:
    kind, rows = kind_of("person"), []
    for n, (first, last, dob) in enumerate(itertools.product(FIRST, LAST, DATES)):
        name = f"{last} {first}" if n % 3 == 0 else f"{first} {last}"  # some swapped
        row = fold(kind, {"name": [name], "birthDate": [dob]})
        row |= {"entity_id": f"p{n:03d}", "kind": "person", "datasets": "t"}
        rows.append(row)
    return rows


SPECS = [
    {"keys": [["name_key", None], ["dob", 4]]},
    {"keys": [["tok_a", None], ["dob", None]]},
    {"keys": [["tok_b", None], ["dob", None]]},
    {"sql": "l.tok_a = r.tok_b and l.dob = r.dob", "columns": ["dob", "tok_a", "tok_b"]},
    {"keys": [["tok_a", 3], ["tok_b", 3]]},  # no index serves it: reported, not looked up
]


def _brute(old: list[dict], new: list[dict]) -> set[str]:
    def key(row: dict, keys: list) -> tuple | None:
        out = []
        for column, prefix in keys:
            if row[column] is None:
                return None
            out.append(row[column] if prefix is None else row[column][:prefix])
        return tuple(out)

    found = set()
    for o, n in itertools.product(old, new):
        for spec in SPECS[:3]:
            k = key(o, spec["keys"])
            if k is not None and k == key(n, spec["keys"]):
                found.add(o["entity_id"])
        if o["dob"] and o["dob"] == n["dob"] and (o["tok_a"] == n["tok_b"]
                                                  or o["tok_b"] == n["tok_a"]):  # fmt: skip
            found.add(o["entity_id"])
    return found


def test_index_lookups_find_what_the_rules_pair(store: Store) -> None:
    rows = _rows()
    old, new = rows[::2], rows[1::2][:12]
    with store.begin() as conn:
        save_features(store, conn, old, run_id="t", kind="person", replace_all=True)
    import pasienis.resolve.incremental as inc

    below, inc.LOAD_ALL_BELOW = inc.LOAD_ALL_BELOW, 0
    try:
        with store.read() as conn:
            found, skipped = blocked_candidates(conn, "person", new, {"pasienis_blocking": SPECS})
    finally:
        inc.LOAD_ALL_BELOW = below
    expected = _brute(old, new)
    assert expected, "the fixture must make some pairs"
    assert {r["entity_id"] for r in found} == expected
    assert skipped == ["tok_a and tok_b"]
    assert all(r["name_key"] for r in found)  # whole feature rows, not just keys


def test_term_frequencies_count_distinct_rows() -> None:
    kind = kind_of("person")

    def row(i: int, name: str, dob: str | None) -> dict:
        out = fold(kind, {"name": [name], **({"birthDate": [dob]} if dob else {})})
        return out | {"entity_id": f"e{i}"}

    # One driver's three identical records, the same name with another date (someone
    # else, or another record of him: a row of its own), and a second name.
    df = eng.frame([row(0, "Jonas Kazlauskas", None), row(1, "Jonas Kazlauskas", None),
                    row(2, "Jonas Kazlauskas", None), row(3, "Jonas Kazlauskas", "1970-01-02"),
                    row(4, "Olga Ivanova", None)])  # fmt: skip
    tf = eng.term_frequencies(df, ["name_fold", "dob"])
    names = dict(zip(tf["name_fold"]["name_fold"], tf["name_fold"]["tf_name_fold"], strict=True))
    assert names == {"jonas kazlauskas": 2 / 3, "olga ivanova": 1 / 3}
    dates = dict(zip(tf["dob"]["dob"], tf["dob"]["tf_dob"], strict=True))
    assert dates == {"1970-01-02": 1.0}
