"""companies.xlsx: an extract of the Register of Legal Entities (Juridinių asmenų registras).

Why: shell companies sharing a registered address with their directors' home address, and
officers that re-appear under name variants, are key links between smuggling networks and
the legal economy.
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook

from pasienis.scenario.determinism import FIXED_DATETIME, normalise_zip
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import World, written_name


def write_companies(path: Path, rng: random.Random, world: World, truth: Truth) -> int:
    """Write the two-sheet workbook; returns the number of companies."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Companies"
    ws.append(
        [
            "company_code",
            "name",
            "legal_form",
            "registered_address",
            "registration_date",
            "vat_number",
            "bank_account",
        ]
    )
    for c in world.companies:
        ws.append(
            [c.code, c.name, c.legal_form, c.address, c.registered.isoformat(), c.vat, c.iban]
        )
    officers = wb.create_sheet("Officers")
    officers.append(["company_code", "person_name", "date_of_birth", "role", "share_pct"])
    row = 1
    for c in world.companies:
        for pid, role, share in c.officers:
            row += 1
            person = world.person(pid)
            name = written_name(person, rng, p_variant=0.5)
            dob = None if rng.random() < 0.05 else person.dob.isoformat()
            officers.append([c.code, name, dob, role, share if role == "shareholder" else None])
            truth.record(pid, f"companies.xlsx:Officers:{row}", name, dob)
    wb.properties.created = FIXED_DATETIME
    wb.properties.modified = FIXED_DATETIME
    wb.properties.creator = "pasienis-scenario"
    wb.save(path)
    normalise_zip(path)
    truth.count("companies.xlsx:Companies", len(world.companies))
    truth.count("companies.xlsx:Officers", row - 1)
    return len(world.companies)
