"""declarations_history.csv: past declarations with their inspection outcome (the risk
engine's training data), in the column shape of public customs-selection data sets.

Why this shape: published customs-fraud research (e.g. the synthetic import data of the DATE
paper) ships one row per declaration line with ``sgd.id, sgd.date, importer.id, declarant.id,
country, office.id, tariff.code, quantity, gross.weight, cif.value, illicit, revenue``; the
risk engine reads any such file through a column mapping, so the scenario writes one too.

The frauds follow the same mechanisms as ``declarations.xml`` (undervaluation, a cover CN
code for valuable goods, network consignees far more often), plus what makes selection hard
in practice: importers with a latent propensity that only their history reveals, risky
origin/office combinations, and honest declarations that merely look cheap.

Vectorised with NumPy so the benchmark can draw a million rows in seconds; it draws from
its own generator seeded with the scenario seed, so adding it changed no other file.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from pasienis.scenario.declarations import OFFICES, VALUE_PER_KG, cn_codes
from pasienis.scenario.truth import Truth
from pasienis.scenario.world import World

#: First and last day of the history; the current declarations start on 2026-09-01.
START, END = date(2024, 1, 1), date(2026, 8, 31)
COLUMNS = (
    "sgd.id",
    "sgd.date",
    "office.id",
    "importer.id",
    "declarant.id",
    "seller.id",
    "tariff.code",
    "country",
    "cif.value",
    "gross.weight",
    "quantity",
    "illicit",
    "revenue",
)
_ORIGINS = np.array(["BY", "RU", "CN", "TR", "UA", "PL", "DE", "KZ", "AE", "US"])
_ORIGIN_P = np.array([0.18, 0.12, 0.2, 0.1, 0.1, 0.1, 0.08, 0.04, 0.04, 0.04])
# Extra fraud odds (log) where smuggling routes run: eastern origins, eastern border offices.
_ORIGIN_RISK = {"BY": 0.9, "RU": 0.7, "AE": 0.6, "KZ": 0.4, "CN": 0.2}
_OFFICE_RISK = {"LTMD2000": 0.6, "LTSL2000": 0.4, "LTKB2000": 0.3}
_COVER = ("packaging", "furniture", "wood", "food")
_VALUABLE = ("tobacco", "alcohol", "electronics")
_DUTY = 0.25  # duty + VAT share of the value evaded, for the revenue column


def write_history(out: Path, seed: int, world: World, scale: float, truth: Truth) -> int:
    """Write declarations_history.csv (≈20,000 rows at scale 1) and count it in truth."""
    n = max(2000, int(20_000 * math.sqrt(max(scale, 0.01))))
    importers = [c.code for c in world.companies]
    network = [c.code for c in world.companies if c.network]
    frame = history_frame(n, seed=seed, importers=importers, network=network)
    frame.to_csv(out / "declarations_history.csv", index=False, float_format="%.2f")
    truth.count("declarations_history.csv", n)
    truth.history = {
        "file": "declarations_history.csv",
        "rows": n,
        "illicit": int(frame["illicit"].sum()),
        "network_importers": sorted(network),
        "period": [START.isoformat(), END.isoformat()],
    }
    return n


def history_frame(
    n: int, *, seed: int, importers: list[str], network: list[str] | None = None
) -> pd.DataFrame:
    """``n`` labelled declaration lines; the same (n, seed, parties) give the same frame."""
    g = np.random.default_rng([seed, 0x5153])
    codes = cn_codes()
    cats = np.array([c["category"] for c in codes])
    code_arr = np.array([c["code"] for c in codes])
    net = set(network or ())
    imp = np.array(importers)
    # Importers trade with very different frequency (a few big ones), and each has a latent
    # propensity to cheat that only its history shows.
    weight = g.pareto(1.2, len(imp)) + 1
    importer = g.choice(len(imp), size=n, p=weight / weight.sum())
    propensity = np.where(g.random(len(imp)) < 0.06, g.uniform(1.5, 3.0, len(imp)), 0.0)
    is_net = np.array([code in net for code in imp])
    brokers = imp[g.choice(len(imp), size=min(len(imp), 40), replace=False)]
    broker_risk = np.where(g.random(len(brokers)) < 0.1, 1.0, 0.0)
    declarant = g.integers(0, len(brokers), n)
    seller = g.integers(1, 400, n)
    origin = g.choice(len(_ORIGINS), size=n, p=_ORIGIN_P)
    office = g.integers(0, len(OFFICES), n)
    item = g.integers(0, len(codes), n)
    days = (END - START).days + 1
    when = np.datetime64(START.isoformat()) + g.integers(0, days, n).astype("timedelta64[D]")

    logit = np.full(n, -3.6)
    logit += propensity[importer] + np.where(is_net[importer], 3.4, 0.0)
    logit += broker_risk[declarant]
    logit += np.vectorize(lambda o: _ORIGIN_RISK.get(o, 0.0))(_ORIGINS[origin])
    logit += np.array([_OFFICE_RISK.get(o, 0.0) for o in OFFICES])[office]
    illicit = g.random(n) < 1 / (1 + np.exp(-logit))

    mass = np.round(g.lognormal(math.log(800), 0.8, n), 1)
    per_kg = np.array([VALUE_PER_KG[c] for c in cats])
    fair = mass * per_kg[item] * g.uniform(0.8, 1.25, n)
    value = fair.copy()
    revenue = np.zeros(n)
    kind = g.random(n)
    under = illicit & (kind < 0.55)
    value[under] = fair[under] * g.uniform(0.08, 0.35, under.sum())
    revenue[under] = (fair[under] - value[under]) * _DUTY
    cover = illicit & (kind >= 0.55) & (kind < 0.9)
    cover_idx = np.flatnonzero(np.isin(cats, _COVER))
    real_idx = np.flatnonzero(np.isin(cats, _VALUABLE))
    real = g.choice(real_idx, cover.sum())
    item[cover] = g.choice(cover_idx, cover.sum())
    value[cover] = mass[cover] * VALUE_PER_KG["packaging"] * g.uniform(0.8, 1.2, cover.sum())
    revenue[cover] = mass[cover] * per_kg[real] * _DUTY
    # The rest of the frauds (quantity or origin misdeclared) leave no trace in value/code;
    # honest importers sometimes declare cheap (end-of-line stock, discounts).
    other = illicit & (kind >= 0.9)
    revenue[other] = value[other] * g.uniform(0.05, 0.3, other.sum())
    cheap = ~illicit & (g.random(n) < 0.04)
    value[cheap] = fair[cheap] * g.uniform(0.2, 0.6, cheap.sum())
    quantity = np.maximum(1, np.round(mass / g.uniform(0.5, 20, n))).astype(int)

    frame = pd.DataFrame(
        {
            "sgd.id": [f"H{i:08d}" for i in range(1, n + 1)],
            "sgd.date": when.astype(str),
            "office.id": np.array(OFFICES)[office],
            "importer.id": imp[importer],
            "declarant.id": brokers[declarant],
            "seller.id": [f"F{s:04d}" for s in seller],
            "tariff.code": code_arr[item],
            "country": _ORIGINS[origin],
            "cif.value": np.round(value, 2),
            "gross.weight": mass,
            "quantity": quantity,
            "illicit": illicit.astype(int),
            "revenue": np.round(revenue, 2),
        },
        columns=list(COLUMNS),
    )
    return frame.sort_values(["sgd.date", "sgd.id"], kind="stable").reset_index(drop=True)
