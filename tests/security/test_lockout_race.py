"""Lock-out under real concurrency: 40 wrong passwords at once get exactly the limit's worth
of password checks (issue 11, item 10), on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from pasienis.config import Settings
from pasienis.security import LockedOutError, Role, UnauthenticatedError
from pasienis.security.authn import password_login
from pasienis.security.users import create_user
from pasienis.store import Store, open_store

ATTEMPTS = 40
LIMIT = 5
PASSWORD = "the right passphrase"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def shared_store(request: pytest.FixtureRequest, sqlite_store: Store) -> Iterator[Store]:
    """A store whose connections are real and separate (threads need their own)."""
    if request.param == "sqlite":
        yield sqlite_store
        return
    store = open_store(Settings(database_url=request.getfixturevalue("pg_url")))
    yield store
    store.dispose()


def _outcome(store: Store, settings: Settings, name: str, barrier: threading.Barrier) -> str:
    barrier.wait()
    try:
        password_login(
            store, settings, name=name, password="wrong guess!", ip="10.0.0.1", user_agent=None
        )
    except LockedOutError:
        return "locked"
    except UnauthenticatedError:
        return "checked"
    return "signed in"


def test_concurrent_wrong_passwords_cannot_outrun_the_lock_out(
    shared_store: Store, base_settings: Settings
) -> None:
    name = f"target-{uuid.uuid4().hex[:8]}"
    settings = base_settings.model_copy(
        update={"login_max_failures_account": LIMIT, "login_max_failures_ip": 1000}
    )
    with shared_store.begin() as conn:
        create_user(conn, name=name, roles=[Role.analyst], password=PASSWORD)
    barrier = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        futures = [
            pool.submit(_outcome, shared_store, settings, name, barrier) for _ in range(ATTEMPTS)
        ]
        outcomes = Counter(f.result() for f in futures)
    assert outcomes == {"checked": LIMIT, "locked": ATTEMPTS - LIMIT}
    with pytest.raises(LockedOutError):  # and the right password is refused now too
        password_login(
            shared_store, settings, name=name, password=PASSWORD, ip="10.0.0.2", user_agent=None
        )
