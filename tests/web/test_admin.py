"""Administration app in headless Chromium: accounts, one-time password, roles, grants, refusal."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from web_helpers import Site, add_account, sign_in

from pasienis.security import Role

pytestmark = pytest.mark.browser


def watch_errors(page: Any) -> list[str]:
    """Collect script errors and CSP violations: a mature page logs none."""
    errors: list[str] = []

    def console(msg: Any) -> None:
        # The sign-in form asks /api/auth/me first; its 401 is how it learns nobody is signed in.
        if msg.type == "error" and "status of 401" not in msg.text:
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", console)
    return errors


def login_api(site: Site, name: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=10)
    response = client.post("/api/auth/login", json={"name": name, "password": password})
    response.raise_for_status()
    return client


def open_admin(site: Site, browser: Any, name: str) -> tuple[Any, list[str]]:
    page = browser.new_page()
    errors = watch_errors(page)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{site.url}/web/admin/")
    sign_in(page, name)
    return page, errors


def create_account(page: Any, name: str, display: str, roles: list[str], clearance: str) -> None:
    form = "#create-form"
    page.fill(f"{form} input[name=name]", name)
    page.fill(f"{form} input[name=display_name]", display)
    for role in roles:
        page.check(f"{form} input[name=roles][value={role}]")
    page.select_option(f"{form} select[name=clearance]", clearance)
    page.click(f"{form} button[type=submit]")


def test_create_an_analyst_grant_a_dataset_and_see_the_account(site: Site, browser: Any) -> None:
    add_account(site, "root", [Role.administrator])
    page, errors = open_admin(site, browser, "root")
    page.wait_for_selector("#users tr[data-user=disp]")
    assert "dispatcher" in page.inner_text("#users tr[data-user=disp]")

    create_account(page, "ana", "Ana Analytikė", ["analyst"], "confidential")
    page.wait_for_selector("#password-once:not([hidden])")
    password = page.inner_text("#password-value").strip()
    assert len(password) >= 12
    assert "ana" in page.inner_text("#password-for")
    row = page.wait_for_selector("#users tr[data-user=ana]")
    assert "analyst" in row.inner_text()
    assert "Ana Analytikė" in row.inner_text()
    assert "confidential" in row.inner_text()
    # The password shown is the real one: the new analyst signs in with it.
    analyst = login_api(site, "ana", password)

    page.click("[data-tab=datasets]")
    page.fill("#dataset-form input[name=name]", "border")
    page.fill("#dataset-form input[name=title]", "Border crossings")
    page.select_option("#dataset-form select[name=classification]", "confidential")
    page.click("#dataset-form button[type=submit]")
    page.wait_for_selector("#datasets tr[data-dataset=border]")
    assert "confidential" in page.inner_text("#datasets tr[data-dataset=border]")
    assert analyst.get("/api/auth/me").json()["datasets"] == []

    page.select_option("#grant-form select[name=dataset]", "border")
    page.select_option("#grant-form select[name=user]", "ana")
    page.click("#grant-form button[type=submit]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grants tbody tr')]"
        ".some(r => r.textContent.includes('border') && r.textContent.includes('ana'))"
    )
    assert "root" in page.inner_text("#grants tbody")  # granted by
    assert analyst.get("/api/auth/me").json()["datasets"] == ["border"]
    assert analyst.get("/api/auth/me").json()["writable"] == []
    # The same grant again with "read and import": the analyst may now import into it.
    page.select_option("#grant-form select[name=permission]", "write")
    page.click("#grant-form button[type=submit]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#grants tbody tr')]"
        ".some(r => r.textContent.includes('ana') && r.textContent.includes('Read and import'))"
    )
    assert analyst.get("/api/auth/me").json()["writable"] == ["border"]

    # Shown once: after a reload the password is nowhere on the page.
    page.reload()
    page.wait_for_selector("#users tr[data-user=ana]")
    assert page.is_hidden("#password-once")
    assert password not in page.content()
    assert errors == []


def test_manage_roles_disable_and_tokens(site: Site, browser: Any) -> None:
    add_account(site, "root", [Role.administrator])
    page, errors = open_admin(site, browser, "root")
    page.click("#users tr[data-user=officer1] button.manage")
    page.wait_for_selector("#manage:not([hidden])")
    assert page.inner_text("#manage-name") == "officer1"
    assert page.is_checked("#roles-form input[value=field_officer]")
    page.check("#roles-form input[value=dispatcher]")
    page.click("#roles-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#users tr[data-user=officer1]').textContent"
        ".includes('dispatcher')"
    )

    page.click("#issue-token")
    page.wait_for_selector("#token-once:not([hidden])")
    token = page.inner_text("#token-value").strip()
    bearer = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{site.url}/api/auth/me", headers=bearer, timeout=10).json()
    assert sorted(me["roles"]) == ["dispatcher", "field_officer"]

    page.click("#toggle-disabled")  # the confirmation dialog is accepted
    page.wait_for_selector("#users tr[data-user=officer1].is-disabled")
    assert "disabled" in page.inner_text("#users tr[data-user=officer1]")
    assert httpx.get(f"{site.url}/api/auth/me", headers=bearer, timeout=10).status_code == 401

    # An administrator cannot lock themselves out; the refusal is shown, not swallowed.
    page.click("#users tr[data-user=root] button.manage")
    page.click("#toggle-disabled")
    page.wait_for_function("() => document.querySelector('#roles-form .error').textContent")
    assert "own account" in page.inner_text("#roles-form .error")
    assert "disabled" not in page.inner_text("#users tr[data-user=root]")
    assert [e for e in errors if "403" not in e] == []


def test_bad_input_is_explained_and_server_text_is_escaped(site: Site, browser: Any) -> None:
    add_account(site, "root", [Role.administrator])
    page, _errors = open_admin(site, browser, "root")
    page.wait_for_selector("#users tr[data-user=disp]")
    error = "#create-form .error"

    page.fill("#create-form input[name=name]", "norole")
    page.click("#create-form button[type=submit]")
    assert "at least one role" in page.inner_text(error)

    create_account(page, "disp", "", ["analyst"], "restricted")
    page.wait_for_function(
        f"() => document.querySelector('{error}').textContent.includes('exists')"
    )

    page.fill("#create-form input[name=name]", "")
    create_account(page, "has space", "", ["analyst"], "restricted")
    page.wait_for_function(f"() => document.querySelector('{error}').textContent.includes('name')")
    assert "[object Object]" not in page.inner_text(error)
    assert page.is_hidden("#password-once")

    hostile = '<img src=x id=pwned onerror="document.title=1">'
    page.fill("#create-form input[name=name]", "")
    create_account(page, "eve", hostile, ["analyst"], "restricted")
    row = page.wait_for_selector("#users tr[data-user=eve]")
    assert hostile in row.inner_text()
    assert page.query_selector("#pwned") is None


def test_a_dispatcher_is_told_clearly_that_this_is_not_allowed(site: Site, browser: Any) -> None:
    page = browser.new_page()
    errors = watch_errors(page)
    page.goto(f"{site.url}/web/admin/")
    sign_in(page, "disp")
    page.wait_for_selector("#forbidden:not([hidden])")
    text = page.inner_text("#forbidden")
    assert "Not allowed" in text
    assert "disp" in text
    assert "administrator" in text
    assert page.is_hidden("#app")
    assert errors == []  # nothing was even requested from the admin API


def test_the_page_speaks_lithuanian(site: Site, browser: Any) -> None:
    add_account(site, "root", [Role.administrator])
    page, errors = open_admin(site, browser, "root")
    page.wait_for_selector("#users tr[data-user=disp]")
    page.select_option("#lang", "lt")
    page.wait_for_function(
        "() => document.querySelector('header strong').textContent === 'Administravimas'"
    )
    page.wait_for_selector("#users tr[data-user=disp]")
    assert "Paskyros" in page.inner_text("#app")
    assert "dispečeris" in page.inner_text("#users tr[data-user=disp]")
    assert "admin." not in page.inner_text("#app")  # no untranslated key shows
    page.select_option("#lang", "en")
    page.wait_for_function(
        "() => document.querySelector('header strong').textContent === 'Administration'"
    )
    assert errors == []


def test_rotate_and_deactivate_a_device(site: Site, browser: Any) -> None:
    """Issue 11, item 3: rotation and deactivation from the admin app, effective at once."""
    add_account(site, "root", [Role.administrator])
    page, errors = open_admin(site, browser, "root")
    page.click("[data-tab=devices]")
    row = page.wait_for_selector(f"#devices tr[data-device='{site.device_id}']")
    assert "ALFA-1" in row.inner_text()
    fix = {"id": site.device_id, "lat": 54.68, "lon": 25.28, "timestamp": 1732872000}

    def status(secret: str) -> int:
        url = f"{site.url}/api/positions/osmand/{secret}"
        return httpx.get(url, params=fix, timeout=10).status_code

    page.click(f"#devices tr[data-device='{site.device_id}'] button.rotate")
    page.wait_for_selector("#device-once:not([hidden])")
    secret = page.inner_text("#device-secret").strip()
    assert secret != site.device_secret
    assert secret in page.inner_text("#device-url")
    assert status(site.device_secret) == 401
    assert status(secret) == 200

    page.click(f"#devices tr[data-device='{site.device_id}'] button.toggle")
    page.wait_for_selector(f"#devices tr[data-device='{site.device_id}'].is-disabled")
    assert status(secret) == 401
    page.click(f"#devices tr[data-device='{site.device_id}'] button.toggle")
    page.wait_for_selector(f"#devices tr[data-device='{site.device_id}']:not(.is-disabled)")
    assert status(secret) == 200
    assert errors == []
