"""Idempotency keys on the field app's queued actions: a replay gets the first answer and never
creates a second record — sequentially in-process, and with real concurrent requests against a
real server on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from live_server import LiveServer
from ops_helpers import Crew, make_unit, person
from sqlalchemy import func, select

from pasienis.api.routers import ops_tasks
from pasienis.config import Settings
from pasienis.ops import flows, tasks
from pasienis.ops.flows import Ops, assign_task, create
from pasienis.ops.models import attachments, task_events
from pasienis.ops.schemas import TaskCreate
from pasienis.security import Role
from pasienis.security.idempotency import idempotency_keys
from pasienis.store import Store, open_store

TASK = {"lat": 54.64, "lon": 25.74, "category": "vehicle_stop", "priority": 2,
        "description": "Stop KLM 482", "unit": "ALFA-1"}  # fmt: skip


def _count(store: Store, task_id: str, kind: str) -> int:
    with store.read() as conn:
        return conn.execute(
            select(func.count())
            .select_from(task_events)
            .where(task_events.c.task_id == task_id, task_events.c.kind == kind)
        ).scalar_one()


def test_replayed_actions_get_the_first_answer(
    client: TestClient, crew: Crew, store: Store
) -> None:
    task = client.post("/api/tasks", json=TASK, headers=crew.dispatcher).json()
    url = f"/api/tasks/{task['id']}"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = client.post(f"{url}/notes", json={"text": "checked"}, headers={**crew.officer, **key})
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(f"{url}/notes", json={"text": "checked"}, headers={**crew.officer, **key})
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _count(store, task["id"], "note") == 1
    # Without a key the route behaves as before: two notes.
    client.post(f"{url}/notes", json={"text": "again"}, headers=crew.officer)
    assert _count(store, task["id"], "note") == 2

    # A status change replayed after a lost answer is the same success, not "illegal transition".
    ack = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"status": "acknowledged"}
    one = client.post(f"{url}/status", json=body, headers={**crew.officer, **ack})
    two = client.post(f"{url}/status", json=body, headers={**crew.officer, **ack})
    assert (one.status_code, two.status_code) == (200, 200)
    assert one.json() == two.json()
    assert _count(store, task["id"], "acknowledged") == 1

    photo = {"Idempotency-Key": str(uuid.uuid4())}
    files = {"file": ("p.jpg", b"\xff\xd8photo", "image/jpeg")}
    up1 = client.post(f"{url}/attachments", files=files, headers={**crew.officer, **photo})
    up2 = client.post(f"{url}/attachments", files=files, headers={**crew.officer, **photo})
    assert (up1.status_code, up2.status_code) == (201, 201)
    assert up1.json() == up2.json()
    assert up2.headers["Idempotent-Replayed"] == "true"
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(attachments)).scalar_one() == 1

    # The same key on another route is an error, not someone else's answer.
    wrong = client.post(f"{url}/notes", json={"text": "x"}, headers={**crew.officer, **ack})
    assert wrong.status_code == 422
    assert "first used for POST" in wrong.text
    # Keys are per account: another user's identical key is a new action of theirs.
    disp = client.post(f"{url}/notes", json={"text": "d"}, headers={**crew.dispatcher, **key})
    assert disp.status_code == 201
    assert "Idempotent-Replayed" not in disp.headers
    assert _count(store, task["id"], "note") == 3
    bad = client.post(f"{url}/notes", json={"text": "x"},
                      headers={**crew.officer, "Idempotency-Key": "k" * 201})  # fmt: skip
    assert bad.status_code == 422


def test_a_failed_action_releases_its_key(client: TestClient, crew: Crew, store: Store) -> None:
    task = client.post("/api/tasks", json=TASK, headers=crew.dispatcher).json()
    key = {"Idempotency-Key": str(uuid.uuid4())}
    url = f"/api/tasks/{task['id']}/status"
    too_early = client.post(url, json={"status": "on_scene"}, headers={**crew.officer, **key})
    assert too_early.status_code == 409  # illegal transition: nothing recorded, key released
    client.post(url, json={"status": "acknowledged"}, headers=crew.officer)
    client.post(url, json={"status": "en_route"}, headers=crew.officer)
    retried = client.post(url, json={"status": "on_scene"}, headers={**crew.officer, **key})
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers


class ServerDiedError(Exception):
    """Stands for the process dying at that point (raised through the test client)."""


def _keys(store: Store) -> int:
    with store.read() as conn:
        return conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()


def test_the_key_commits_with_the_action_a_crash_after_it_replays(
    client: TestClient, crew: Crew, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server dies after the action committed, before answering: the resend replays.

    (With the key kept apart from the action, the claim was given up or left unanswered
    here, so the resend either wrote a second note or was refused as "outcome unknown".)
    """
    task = client.post("/api/tasks", json=TASK, headers=crew.dispatcher).json()
    url = f"/api/tasks/{task['id']}/notes"
    key = {"Idempotency-Key": str(uuid.uuid4())}

    def dies(*_args: object, **_kwargs: object) -> None:
        raise ServerDiedError("the server went away before it answered")

    monkeypatch.setattr(ops_tasks, "_audit", dies)
    with pytest.raises(ServerDiedError):
        client.post(url, json={"text": "seen"}, headers={**crew.officer, **key})
    monkeypatch.undo()
    assert _count(store, task["id"], "note") == 1
    again = client.post(url, json={"text": "seen"}, headers={**crew.officer, **key})
    assert again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["text"] == "seen"
    assert _count(store, task["id"], "note") == 1


def test_an_action_that_rolls_back_takes_its_key_with_it(
    client: TestClient, crew: Crew, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The action's transaction fails after the key was claimed in it: neither is kept, so
    the resend runs the action (once)."""
    task = client.post("/api/tasks", json=TASK, headers=crew.dispatcher).json()
    url = f"/api/tasks/{task['id']}/notes"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    keys_before = _keys(store)
    real = tasks.note_task

    def note_then_fail(conn: object, **kwargs: object) -> object:
        real(conn, **kwargs)  # type: ignore[arg-type]
        assert _keys_in(conn) == keys_before + 1  # the claim is in this very transaction
        raise ServerDiedError("the disk filled up before the commit")

    monkeypatch.setattr(flows, "note_task", note_then_fail)
    with pytest.raises(ServerDiedError):
        client.post(url, json={"text": "lost?"}, headers={**crew.officer, **key})
    monkeypatch.undo()
    assert _keys(store) == keys_before
    assert _count(store, task["id"], "note") == 0
    retry = client.post(url, json={"text": "lost?"}, headers={**crew.officer, **key})
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert _count(store, task["id"], "note") == 1
    assert _keys(store) == keys_before + 1


def _keys_in(conn: object) -> int:
    return conn.execute(select(func.count()).select_from(idempotency_keys)).scalar_one()  # type: ignore[attr-defined]


def _prepare(url: str) -> tuple[Store, str, dict[str, str]]:
    store = open_store(Settings(database_url=url))
    name = f"off-{uuid.uuid4().hex[:6]}"
    officer = person(store, name, Role.field_officer)
    sign = f"C-{uuid.uuid4().hex[:6]}".upper()
    make_unit(store, sign, f"d-{uuid.uuid4().hex[:8]}", crew=[name])
    ops = Ops(store=store, settings=Settings(database_url=url))
    task = create(ops, data=TaskCreate(**{**TASK, "unit": sign}), actor="test")
    assign_task(ops, task_id=task["id"], unit=sign, actor="test")
    return store, task["id"], officer


def _storm(
    base: str, path: str, headers: dict[str, str], body: dict, n: int
) -> list[httpx.Response]:
    """``n`` identical requests released at the same instant from ``n`` threads."""
    barrier = threading.Barrier(n)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def one() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            barrier.wait()
            answer = http.post(path, json=body, headers=headers)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


@pytest.mark.parametrize(
    "engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_concurrent_replays_make_one_record(
    engine: str, tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest
) -> None:
    if engine == "sqlite":
        db = tmp_path / "live.db"
        db.write_bytes(sqlite_template.read_bytes())
        url = f"sqlite:///{db}"
    else:
        url = request.getfixturevalue("own_pg_url")
    store, task_id, officer = _prepare(url)
    server = LiveServer(data_dir=tmp_path, database_url=url, env={})
    server.start()
    try:
        for round_ in range(3):
            headers = {**officer, "Idempotency-Key": f"note-{round_}-{uuid.uuid4()}"}
            path = f"/api/tasks/{task_id}/notes"
            answers = _storm(server.url, path, headers, {"text": f"round {round_}"}, 12)
            # The losers of the race for the key roll back and answer the winner's answer.
            assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
            done = [a.json() for a in answers]
            assert all(d == done[0] for d in done)
            assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 11
            with httpx.Client(base_url=server.url, timeout=30) as http:
                final = http.post(path, json={"text": f"round {round_}"}, headers=headers)
            assert final.status_code == 201
            assert final.headers["Idempotent-Replayed"] == "true"
            assert final.json() == done[0]
            assert _count(store, task_id, "note") == round_ + 1
        status = {**officer, "Idempotency-Key": str(uuid.uuid4())}
        acks = _storm(server.url, f"/api/tasks/{task_id}/status", status,
                      {"status": "acknowledged"}, 8)  # fmt: skip
        assert {a.status_code for a in acks} == {200}, [a.text for a in acks]
        assert all(a.json() == acks[0].json() for a in acks)
        assert _count(store, task_id, "acknowledged") == 1
    finally:
        server.stop()
        store.dispose()
