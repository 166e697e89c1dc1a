"""The principal cache and the security epoch (issues 16 and 19: the per-request floor).

A stale principal is a compartment leak, so every change a principal is built from must be
seen by the very next request: through the API, and through a raw SQL change that no write
site of ours made (which proves the trigger, not the write site, raises the epoch). Both
engines. Expiry is judged per request, never cached.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, text
from sqlalchemy.sql.util import find_tables

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.security import Credentials, PrincipalCache, Role, authenticate
from pasienis.security.epoch import EPOCH_TABLE, EPOCH_TABLES, current_epoch
from pasienis.security.provision import provision
from pasienis.security.users import now
from pasienis.store import Store


@dataclass
class World:
    app: FastAPI
    client: TestClient
    tokens: dict[str, str]
    store: Store

    def get(self, who: str, path: str) -> Any:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"})

    def send(self, who: str, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return self.client.request(method, path, headers=headers, **kwargs)

    def raw(self, sql: str, **params: Any) -> None:
        """A change made by hand, outside every write site of ours."""
        with self.store.begin() as conn:
            conn.execute(text(sql), params)

    def user_id(self, name: str) -> str:
        with self.store.read() as conn:
            found = conn.execute(text("SELECT id FROM users WHERE name = :n"), {"n": name})
            return str(found.scalar_one())


@pytest.fixture
def world(store: Store, base_settings: Settings) -> Iterator[World]:
    with store.begin() as conn:
        tokens = {
            "root": provision(conn, name="root", roles=[Role.administrator]),
            "ana": provision(conn, name="ana", roles=[Role.analyst], datasets=["alpha", "beta"]),
            "bob": provision(conn, name="bob", roles=[Role.analyst], datasets=["alpha"]),
        }
    app = create_app(base_settings, store=store)
    with TestClient(app) as client:
        yield World(app, client, tokens, store)


def _me(world: World, who: str) -> Any:
    return world.get(who, "/api/auth/me")


def _warm(world: World, who: str) -> dict[str, Any]:
    """Two requests: the second is answered from the cache (checked by the caller)."""
    first = _me(world, who)
    assert first.status_code == 200
    assert _me(world, who).json() == first.json()
    return dict(first.json())


# --- the triggers ----------------------------------------------------------------------------


def test_every_table_a_principal_is_built_from_has_its_triggers(store: Store) -> None:
    with store.read() as conn:
        assert (
            store.dialect.missing_change_counters(conn, tables=EPOCH_TABLES, counter=EPOCH_TABLE)
            == []
        )
        assert current_epoch(conn) is not None


@contextmanager
def tables_read(store: Store) -> Iterator[list[set[str]]]:
    """The tables of each statement this thread runs (the app's background loops run theirs
    in other threads)."""
    me = threading.get_ident()
    read: list[set[str]] = []

    def record(_conn: Any, clause: Any, *_args: Any) -> None:
        if threading.get_ident() == me:
            read.append({t.name for t in find_tables(clause)})

    event.listen(store.engine, "before_execute", record)
    try:
        yield read
    finally:
        event.remove(store.engine, "before_execute", record)


@pytest.mark.parametrize("kind", ["token", "session", "device"])
def test_a_principal_is_read_from_the_epoch_tables_only(world: World, kind: str) -> None:
    """If folding a principal ever reads another table, it needs triggers (and this fails)."""
    settings, cache = world.app.state.settings, PrincipalCache()
    creds = {
        "token": Credentials(bearer=world.tokens["ana"]),
        "session": Credentials(session=_session(world, "ana")),
        "device": Credentials(basic=("ana", world.tokens["ana"])),  # not a device: refused
    }[kind]
    with tables_read(world.store) as read:
        authenticate(world.store, settings, creds, cache=cache)
    principal_reads = set().union(*read) - {EPOCH_TABLE}
    assert {"users", "access_grants"} <= principal_reads
    assert principal_reads <= set(EPOCH_TABLES), principal_reads - set(EPOCH_TABLES)


def _session(world: World, who: str) -> str:
    from pasienis.security.authn import start_session

    _principal, issued = start_session(
        world.store, world.app.state.settings, user_id=world.user_id(who), ip="127.0.0.1",
        user_agent=None,
    )  # fmt: skip
    return issued.secret


def _epoch(store: Store) -> int:
    with store.read() as conn:
        value = current_epoch(conn)
    assert value is not None
    return value


RAW_ROWS: dict[str, tuple[str, str]] = {
    # table: (INSERT, WHERE that picks the inserted row)
    "users": (
        "INSERT INTO users (id, name, clearance, disabled, created_at) "
        "VALUES ('u-raw', 'raw', 'public', :no, :at)",
        "id = 'u-raw'",
    ),
    "user_roles": (
        "INSERT INTO user_roles (user_id, role) VALUES ('u-raw', 'analyst')",
        "user_id = 'u-raw'",
    ),
    "group_members": (
        "INSERT INTO group_members (group_name, user_id) VALUES ('raw-group', 'u-raw')",
        "user_id = 'u-raw'",
    ),
    "access_grants": (
        "INSERT INTO access_grants (resource_kind, resource, grantee_kind, grantee, permission, "
        "granted_at) VALUES ('dataset', 'raw-ds', 'user', 'u-raw', 'read', :at)",
        "grantee = 'u-raw'",
    ),
    "datasets": (
        "INSERT INTO datasets (name, classification, created_at) VALUES ('raw-ds', 'public', :at)",
        "name = 'raw-ds'",
    ),
    "api_tokens": (
        "INSERT INTO api_tokens (id, user_id, created_at) VALUES ('t-raw', 'u-raw', :at)",
        "id = 't-raw'",
    ),
    "sessions": (
        "INSERT INTO sessions (id, user_id, created_at, expires_at) "
        "VALUES ('s-raw', 'u-raw', :at, :at)",
        "id = 's-raw'",
    ),
}


def test_a_raw_insert_update_and_delete_on_each_table_moves_the_epoch(world: World) -> None:
    assert set(RAW_ROWS) == set(EPOCH_TABLES)
    at = world.store.bind_datetime(now())
    for table in EPOCH_TABLES:  # users first: the others refer to it
        before = _epoch(world.store)
        world.raw(RAW_ROWS[table][0], at=at, no=False)
        assert _epoch(world.store) > before, f"INSERT INTO {table}"
    for table in EPOCH_TABLES:
        before = _epoch(world.store)
        column = {"user_roles": "role", "group_members": "group_name"}.get(table, "created_at")
        if table == "access_grants":
            column = "permission"
        world.raw(f"UPDATE {table} SET {column} = {column} WHERE {RAW_ROWS[table][1]}")
        assert _epoch(world.store) > before, f"UPDATE {table}"
    for table in reversed(EPOCH_TABLES):
        before = _epoch(world.store)
        world.raw(f"DELETE FROM {table} WHERE {RAW_ROWS[table][1]}")
        assert _epoch(world.store) > before, f"DELETE FROM {table}"


def _disable_everyone_then_fail(store: Store) -> None:
    with store.begin() as conn:
        conn.execute(text("UPDATE users SET disabled = :yes"), {"yes": True})
        raise RuntimeError("roll back")


def test_a_rolled_back_change_leaves_the_epoch(world: World) -> None:
    _warm(world, "ana")
    before = _epoch(world.store)
    with pytest.raises(RuntimeError):
        _disable_everyone_then_fail(world.store)
    assert _epoch(world.store) == before
    assert _me(world, "ana").status_code == 200


# --- the cache is used, and one read decides --------------------------------------------------


def test_a_cached_request_reads_the_epoch_and_nothing_else_of_the_principal(world: World) -> None:
    _warm(world, "ana")
    settings, cache = world.app.state.settings, world.app.state.principals
    creds = Credentials(bearer=world.tokens["ana"])
    with tables_read(world.store) as read:
        principal = authenticate(world.store, settings, creds, cache=cache)
    assert principal is not None
    assert principal.name == "ana"
    assert read == [{EPOCH_TABLE}]


def test_without_triggers_nothing_is_cached(store: Store, base_settings: Settings) -> None:
    with store.begin() as conn:
        token = provision(conn, name="ana", roles=[Role.analyst])
        for ddl in store.dialect.drop_change_counter_ddl(table="user_roles", counter=EPOCH_TABLE):
            conn.execute(text(ddl))
    cache = PrincipalCache()
    creds = Credentials(bearer=token)
    assert authenticate(store, base_settings, creds, cache=cache) is not None
    assert len(cache) == 0
    with store.begin() as conn:
        conn.execute(text("DELETE FROM user_roles"))  # no trigger here now: the epoch stands
    again = authenticate(store, base_settings, creds, cache=cache)
    assert again is not None
    assert again.roles == frozenset()


# --- the very next request sees every change, made through the API ----------------------------


def test_a_revoked_dataset_grant_is_seen_at_once(world: World) -> None:
    assert _warm(world, "ana")["datasets"] == ["alpha", "beta"]
    gone = world.send("root", "DELETE", "/api/datasets/beta/grants", params={"user": "ana"})
    assert gone.status_code == 204
    assert _me(world, "ana").json()["datasets"] == ["alpha"]


def test_a_reclassified_dataset_is_seen_at_once(world: World) -> None:
    assert _warm(world, "bob")["datasets"] == ["alpha"]
    body = {"classification": "secret"}
    assert world.send("root", "PUT", "/api/datasets/alpha", json=body).status_code == 200
    assert _me(world, "bob").json()["datasets"] == []


def test_a_removed_role_is_seen_at_once(world: World) -> None:
    _warm(world, "ana")
    changed = world.send("root", "PUT", "/api/users/ana/roles", json={"roles": ["dispatcher"]})
    assert changed.status_code == 200
    assert _me(world, "ana").json()["roles"] == ["dispatcher"]
    assert world.get("ana", "/api/graph/cotravel").status_code == 403


def test_a_disabled_account_is_refused_at_once(world: World) -> None:
    _warm(world, "ana")
    answer = world.send("root", "PUT", "/api/users/ana/disabled", json={"disabled": True})
    assert answer.status_code == 200
    assert _me(world, "ana").status_code == 401


def test_a_revoked_token_is_refused_at_once(world: World) -> None:
    _warm(world, "ana")
    assert world.send("root", "DELETE", "/api/users/ana/tokens").json() == {"revoked": 1}
    assert _me(world, "ana").status_code == 401


def test_a_removed_case_member_loses_the_case_at_once(world: World) -> None:
    made = world.send("ana", "POST", "/api/cases", json={"title": "convoy"}).json()
    path = f"/api/cases/{made['id']}"
    member = {"grantee_kind": "user", "grantee": "bob", "permission": "read"}
    assert world.send("ana", "POST", f"{path}/members", json=member).status_code == 200
    assert world.get("bob", path).status_code == 200
    assert world.get("bob", path).status_code == 200  # from the cache
    removed = world.send("ana", "DELETE", f"{path}/members/user/bob")
    assert removed.status_code == 200
    assert world.get("bob", path).status_code == 404


# --- ... and made by hand, in SQL (the trigger, not the write site, raises the epoch) ---------


def test_a_grant_deleted_in_sql_is_seen_at_once(world: World) -> None:
    _warm(world, "ana")
    world.raw(
        "DELETE FROM access_grants WHERE resource = 'beta' AND grantee = :u",
        u=world.user_id("ana"),
    )
    assert _me(world, "ana").json()["datasets"] == ["alpha"]


def test_a_role_deleted_in_sql_is_seen_at_once(world: World) -> None:
    _warm(world, "ana")
    world.raw("DELETE FROM user_roles WHERE user_id = :u", u=world.user_id("ana"))
    assert _me(world, "ana").status_code == 403


def test_an_account_disabled_in_sql_is_refused_at_once(world: World) -> None:
    _warm(world, "ana")
    world.raw("UPDATE users SET disabled = :yes WHERE name = 'ana'", yes=True)
    assert _me(world, "ana").status_code == 401


def test_a_token_revoked_in_sql_is_refused_at_once(world: World) -> None:
    _warm(world, "ana")
    at = world.store.bind_datetime(now())
    world.raw("UPDATE api_tokens SET revoked_at = :at WHERE user_id = :u", at=at,
              u=world.user_id("ana"))  # fmt: skip
    assert _me(world, "ana").status_code == 401


def test_a_case_member_removed_in_sql_loses_the_case_at_once(world: World) -> None:
    made = world.send("ana", "POST", "/api/cases", json={"title": "convoy"}).json()
    path = f"/api/cases/{made['id']}"
    member = {"grantee_kind": "user", "grantee": "bob", "permission": "read"}
    assert world.send("ana", "POST", f"{path}/members", json=member).status_code == 200
    assert world.get("bob", path).status_code == 200
    assert world.get("bob", path).status_code == 200
    world.raw(
        "DELETE FROM access_grants WHERE resource_kind = 'case' AND resource = :c AND grantee = :u",
        c=made["id"],
        u=world.user_id("bob"),
    )
    assert world.get("bob", path).status_code == 404


def test_a_group_membership_removed_in_sql_is_seen_at_once(world: World) -> None:
    body = {"group": "watchers"}
    assert world.send("root", "POST", "/api/datasets/beta/grants", json=body).status_code == 201
    world.raw("INSERT INTO group_members (group_name, user_id) VALUES ('watchers', :u)",
              u=world.user_id("bob"))  # fmt: skip
    assert _warm(world, "bob")["datasets"] == ["alpha", "beta"]
    world.raw("DELETE FROM group_members WHERE user_id = :u", u=world.user_id("bob"))
    assert _me(world, "bob").json()["datasets"] == ["alpha"]


# --- expiry is judged per request, never cached ----------------------------------------------


def test_expiry_is_judged_at_every_request(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """No row changes (the epoch stands), only the clock: the cached principal is refused."""
    _warm(world, "ana")
    epoch = _epoch(world.store)
    later = now() + timedelta(days=world.app.state.settings.api_token_ttl_days, seconds=1)
    monkeypatch.setattr("pasienis.security.authn.now", lambda: later)
    assert _me(world, "ana").status_code == 401
    assert _epoch(world.store) == epoch
    monkeypatch.undo()
    assert _me(world, "ana").status_code == 200


def test_an_expired_session_is_refused_though_cached(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, cache = world.app.state.settings, world.app.state.principals
    creds = Credentials(session=_session(world, "ana"))
    found = authenticate(world.store, settings, creds, cache=cache)
    assert found is not None
    assert authenticate(world.store, settings, creds, cache=cache) is found  # cached
    after = now() + timedelta(minutes=settings.session_ttl_minutes, seconds=1)
    monkeypatch.setattr("pasienis.security.authn.now", lambda: after)
    assert authenticate(world.store, settings, creds, cache=cache) is None
