"""Every setting has a default, help text, and a line in docs/configuration.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from pasienis.config import Settings

DOC = Path(__file__).parents[1] / "docs" / "configuration.md"


@pytest.mark.parametrize("name", list(Settings.model_fields))
def test_setting_is_documented_with_help(name: str) -> None:
    field = Settings.model_fields[name]
    assert field.description, f"{name} has no help text"
    assert f"`PASIENIS_{name.upper()}`" in DOC.read_text(encoding="utf-8")


def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PASIENIS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PASIENIS_PORT", "9123")
    settings = Settings()
    assert settings.port == 9123
    assert settings.resolved_database_url() == f"sqlite:///{tmp_path.resolve()}/pasienis.db"


def test_mqtt_urls_are_checked_when_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from pasienis.config import mqtt_broker_args

    assert mqtt_broker_args("mqtt://cam:pw@broker.local:8883") == {
        "hostname": "broker.local", "port": 8883, "username": "cam", "password": "pw"
    }  # fmt: skip
    monkeypatch.setenv("PASIENIS_WATCH_MQTT_URL", "http://broker:1883")
    with pytest.raises(ValidationError, match="unsupported MQTT URL"):
        Settings()
