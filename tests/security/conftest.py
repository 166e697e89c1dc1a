"""The compartment worlds, built once per run and copied for each test that walks them."""

from __future__ import annotations

from pathlib import Path

import pytest
from compartment_world import WorldTemplate, build_template, with_roles

from pasienis.config import Settings
from pasienis.security import Role


@pytest.fixture(scope="session")
def analyst_world(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, base_settings: Settings
) -> WorldTemplate:
    """Analysts ``ana`` (alpha_ds) and ``bob`` (beta_ds), analysts only."""
    folder = tmp_path_factory.mktemp("analyst-world")
    return build_template(folder, sqlite_template, base_settings, roles=(Role.analyst,))


@pytest.fixture(scope="session")
def admin_world(
    tmp_path_factory: pytest.TempPathFactory, analyst_world: WorldTemplate
) -> WorldTemplate:
    """The same two, as analyst-administrator-dispatchers (the analysts' world, roles
    changed: what a role may read is walked, not what it imports)."""
    folder = tmp_path_factory.mktemp("admin-world")
    roles = (Role.analyst, Role.administrator, Role.dispatcher)
    return with_roles(analyst_world, folder, roles=roles)
