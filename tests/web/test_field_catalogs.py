"""Every string the field app shows comes from the message catalogs, in English and Lithuanian:
the keys its page and scripts name exist in both, goods categories and codes included."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "src" / "pasienis" / "web"
CATALOGS = {lang: json.loads((WEB / "i18n" / f"{lang}.json").read_text()) for lang in ("en", "lt")}


def _field_keys() -> set[str]:
    page = (WEB / "field" / "index.html").read_text()
    keys = set(re.findall(r'data-i18n(?:-placeholder)?="([^"]+)"', page))
    for script in (WEB / "field").glob("*.js"):
        keys |= set(re.findall(r'\bt\("([a-z_.]+)"', script.read_text()))
    return keys


@pytest.mark.parametrize("lang", ["en", "lt"])
def test_field_app_strings_are_in_the_catalog(lang: str) -> None:
    keys = _field_keys()
    assert {"goods.cigarettes", "goods.other", "field.pair_scan"} <= keys
    missing = sorted(k for k in keys if k not in CATALOGS[lang])
    assert not missing, f"{lang}.json lacks {missing}"


@pytest.mark.parametrize("lang", ["en", "lt"])
def test_codes_shown_by_the_field_app_have_labels(lang: str) -> None:
    script = (WEB / "field" / "app.js").read_text()
    statuses = set(re.findall(r'\["(\w+)", "field\.', script)) | set(
        re.findall(r"^  (\w+): \[", script, flags=re.MULTILINE)
    )
    assert "en_route" in statuses
    for code in statuses:
        assert f"status.{code}" in CATALOGS[lang], code
    for kind in ("status", "note", "photo"):
        assert f"outbox.kind.{kind}" in CATALOGS[lang]
    # Plurals through Intl.PluralRules: Lithuanian has one, few, many and other.
    forms = {"en": ("one", "other"), "lt": ("one", "few", "many", "other")}[lang]
    for form in forms:
        assert "{n}" in CATALOGS[lang][f"outbox.pending.{form}"]
