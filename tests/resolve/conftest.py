"""Persons written as border, register and report sources write them (variants of one name)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from pasienis.model import Provenance, entity_statements, write_statements
from pasienis.model.models import statements
from pasienis.store import Store

SEEN = datetime(2026, 11, 1, tzinfo=UTC)
FIRST = [
    "Aleksandr",
    "Dmitrij",
    "Jonas",
    "Petras",
    "Tomas",
    "Andrius",
    "Mindaugas",
    "Serhii",
    "Oleg",
    "Igor",
    "Marius",
    "Darius",
    "Vytautas",
    "Kazimieras",
    "Nikolai",
    "Pavel",
]
LAST = [
    "Ivanov",
    "Petrov",
    "Kazlauskas",
    "Jankauskas",
    "Melnyk",
    "Smirnov",
    "Butkus",
    "Paulauskas",
    "Sidorov",
    "Volkov",
    "Navickas",
    "Urbonas",
    "Kuznetsov",
    "Popov",
]
#: Lithuanian-ending and Cyrillic renderings the register and reports use.
VARIANTS = {
    "Ivanov": "Ivanovas",
    "Petrov": "Petrovas",
    "Smirnov": "Smirnovas",
    "Sidorov": "Sidorovas",
    "Volkov": "Volkovas",
    "Kuznetsov": "Kuznecovas",
    "Popov": "Popovas",
    "Melnyk": "Melnykas",
}


def _entity_id(dataset: str, i: int) -> str:
    return f"{dataset}.person-" + hashlib.sha256(f"{dataset}{i}".encode()).hexdigest()[:16]


def people(n: int = 48) -> list[dict]:
    """``n`` distinct people; each appears in the border and the register dataset."""
    out = []
    for i in range(n):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 5) % len(LAST)]
        dob = f"19{60 + i % 35}-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
        out.append(
            {"i": i, "first": first, "last": last, "dob": dob, "doc": f"LT{100000 + i * 37}"}
        )
    return out


def load_people(store: Store, n: int = 48) -> dict[str, list[str]]:
    """Write each person twice (two datasets, name variant in the register); truth by person."""
    truth: dict[str, list[str]] = {}
    rows = []
    for p in people(n):
        border = _entity_id("border", p["i"])
        register = _entity_id("register", p["i"])
        last = VARIANTS.get(p["last"], p["last"])
        rows += entity_statements(
            border,
            "Person",
            {
                "name": f"{p['first']} {p['last']}",
                "birthDate": p["dob"],
                "passportNumber": p["doc"],
            },
            Provenance("border", SEEN),
        )
        rows += entity_statements(
            register,
            "Person",
            {"name": f"{last.upper()} {p['first'].upper()}", "birthDate": p["dob"]},
            Provenance("register", SEEN),
        )
        truth[str(p["i"])] = [border, register]
    with store.begin() as conn:
        write_statements(store, conn, rows)
    return truth


def statement_fingerprint(store: Store) -> tuple[int, str]:
    """Count and hash of every statement (proves a decision never touched one)."""
    with store.read() as conn:
        count = conn.execute(select(func.count()).select_from(statements)).scalar()
        ids = conn.execute(
            select(statements.c.id, statements.c.value, statements.c.last_seen).order_by(
                statements.c.id
            )
        ).all()
    return int(count or 0), hashlib.sha256(repr(ids).encode()).hexdigest()


@pytest.fixture
def loaded(store: Store) -> tuple[Store, dict[str, list[str]]]:
    return store, load_people(store)
