"""A labelled history in the canonical frame, from the scenario's history generator."""

from __future__ import annotations

import pandas as pd

from pasienis.risk.history import canonical
from pasienis.risk.mapping import parse_mapping
from pasienis.scenario.history import history_frame

MAPPING = """\
columns:
  id: sgd.id
  date: sgd.date
  office: office.id
  importer: importer.id
  declarant: declarant.id
  seller: seller.id
  hs_code: tariff.code
  origin: country
  value: cif.value
  mass: gross.weight
  quantity: quantity
  label: illicit
  revenue: revenue
date_format: "%Y-%m-%d"
"""


def raw_history(n: int, seed: int = 3) -> pd.DataFrame:
    importers = [f"{300000000 + i}" for i in range(120)]
    return history_frame(n, seed=seed, importers=importers, network=importers[:6]).astype(str)


def history(n: int, seed: int = 3) -> pd.DataFrame:
    return canonical(raw_history(n, seed), parse_mapping(MAPPING), source="h.csv",
                     labelled=True, first_line=2)  # fmt: skip
