"""Issue 11 #15: confusable account names and call signs (mixed scripts, fullwidth forms).

An identifier is stored in NFKC, so a fullwidth spelling is the same name as the ordinary
one (and collides with it); a name that mixes scripts is refused on every path.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from pasienis.api import create_app
from pasienis.config import Settings
from pasienis.ops import service
from pasienis.ops.errors import ConflictError
from pasienis.security import Role
from pasienis.security.errors import IdentifierError, UserExistsError
from pasienis.security.identifiers import clean_identifier
from pasienis.security.provision import provision
from pasienis.security.users import create_user, get_user
from pasienis.store import Store

CYRILLIC_A = "\u0430"  # looks exactly like the Latin a
FULLWIDTH_ALFA = "\uff21\uff2c\uff26\uff21-1"  # ALFA-1 in fullwidth letters


@pytest.mark.parametrize(
    ("given", "clean"),
    [
        ("admin", "admin"),
        (FULLWIDTH_ALFA, "ALFA-1"),
        ("  Jonas.Žukauskas ", "Jonas.Žukauskas"),
        ("ЖУК-1", "ЖУК-1"),  # one script, even if not Latin
        ("\u5c71\u7530\u305f\u308d\u3046", "\u5c71\u7530\u305f\u308d\u3046"),  # Han + Hiragana
        ("\ufb01le", "file"),  # the fi ligature
    ],
)
def test_identifiers_are_nfkc(given: str, clean: str) -> None:
    assert clean_identifier(given) == clean


@pytest.mark.parametrize(
    "given",
    [
        f"{CYRILLIC_A}dmin",
        "ALFA-1\u0391",  # a Greek capital alpha at the end
        "ad\u200bmin",  # zero-width space
        "adm\u202eni",  # right-to-left override
        "x\ud800",  # lone surrogate
        "   ",
    ],
)
def test_confusable_identifiers_are_refused(given: str) -> None:
    with pytest.raises(IdentifierError):
        clean_identifier(given)


def test_accounts_are_stored_in_one_spelling(sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        create_user(conn, name="admin", roles=[Role.administrator])
        with pytest.raises(IdentifierError, match="mixes scripts"):
            create_user(conn, name=f"{CYRILLIC_A}dmin", roles=[Role.analyst])
        with pytest.raises(UserExistsError):
            create_user(conn, name="\uff41\uff44\uff4d\uff49\uff4e", roles=[Role.analyst])
        made = create_user(conn, name="\uff41\uff4e\uff41", roles=[Role.analyst])
        assert made.name == "ana"
        assert get_user(conn, name="\uff41\uff4e\uff41").id == made.id


def test_call_signs_are_stored_in_one_spelling(sqlite_store: Store) -> None:
    with sqlite_store.begin() as conn:
        service.add_unit(conn, call_sign="ALFA-1")
        with pytest.raises(ConflictError):
            service.add_unit(conn, call_sign=FULLWIDTH_ALFA)
        with pytest.raises(IdentifierError, match="mixes scripts"):
            service.add_unit(conn, call_sign=f"{CYRILLIC_A.upper()}LFA-2")
        assert service.get_unit(conn, ref=FULLWIDTH_ALFA)["call_sign"] == "ALFA-1"


def test_the_api_refuses_confusables_and_signs_in_by_the_nfkc_name(
    sqlite_store: Store, base_settings: Settings
) -> None:
    with sqlite_store.begin() as conn:
        token = provision(conn, name="root", roles=[Role.administrator, Role.dispatcher])
        create_user(conn, name="jonas", roles=[Role.analyst], password="a long passphrase 1")
    headers = {"Authorization": f"Bearer {token}"}
    settings = base_settings.model_copy(update={"cookie_secure": False})
    with TestClient(create_app(settings, store=sqlite_store), headers=headers) as client:
        user = {"name": f"{CYRILLIC_A}dmin", "roles": ["analyst"]}
        refused = client.post("/api/users", json=user)
        assert refused.status_code == 422, refused.text
        assert refused.json()["type"].endswith("/invalid-identifier")
        unit = client.post("/api/ops/units", json={"call_sign": f"{CYRILLIC_A.upper()}LFA-2"})
        assert unit.status_code == 422, unit.text
        made = client.post("/api/ops/units", json={"call_sign": FULLWIDTH_ALFA})
        assert made.status_code == 201, made.text
        assert made.json()["call_sign"] == "ALFA-1"
        login = {"name": "\uff4a\uff4f\uff4e\uff41\uff53", "password": "a long passphrase 1"}
        signed_in = client.post("/api/auth/login", json=login, headers={"Authorization": ""})
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.json()["name"] == "jonas"
