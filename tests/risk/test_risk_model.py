"""Models: trained on a time split, explained exactly, bound to their mapping, evaluated
against baselines; history files with mistakes are refused with file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests_risk_data import MAPPING, history, raw_history

from pasienis.risk import (
    HistoryError,
    ModelMismatchError,
    at_n,
    load_model,
    parse_mapping,
    parse_rules,
    read_history,
    score,
    time_split,
    train,
)
from pasienis.risk.assess import assess_history
from pasienis.risk.evaluate import random_baseline

RULES = parse_rules("""\
version: 1
rules:
  - {id: cheap, weight: 1.5, reason: Unit value far below the median,
     when: {unit_value_ratio: {lt: 0.35}}}
  - {id: east, weight: 0.4, reason: Eastern origin, when: {origin: {in: [BY, RU]}}}
""")  # fmt: skip


@pytest.fixture(scope="module")
def trained() -> tuple[pd.DataFrame, object]:
    frame = history(8000)
    model = train(frame, parse_mapping(MAPPING), source_sha256="0" * 64,
                  split=time_split(frame), threads=1)  # fmt: skip
    return frame, model


def test_explanations_sum_to_the_score(trained) -> None:  # type: ignore[no-untyped-def]
    frame, model = trained
    s = score(frame.tail(500), model=model, rules=RULES)
    assert np.allclose(s.contributions.sum(axis=1), s.table["model_raw"])
    for i in range(0, 500, 7):
        e = s.explain(i, top=3)
        total = e["bias"] + sum(t["contribution"] for t in e["features"])
        total += sum(r["weight"] for r in e["rules"])
        assert total == pytest.approx(e["score"], abs=1e-9)
        assert e["probability"] == pytest.approx(1 / (1 + np.exp(-e["score"])))
    fired = s.fired.to_numpy().any(axis=1)
    assert fired.any()
    assert not fired.all()


def test_model_beats_random_and_highest_value_on_the_test_period(trained) -> None:  # type: ignore[no-untyped-def]
    frame, model = trained
    split = time_split(frame)
    result = assess_history(frame, split, model=model, rules=RULES)
    t = result["table"]
    assert result["rows"] > 0
    assert result["illicit"] > 0
    assert t["model"]["precision@5%"] > 2 * t["random"]["precision@5%"], t
    assert t["model"]["recall@10%"] > t["highest_value"]["recall@10%"], t
    assert t["both"]["precision@5%"] >= t["random"]["precision@5%"], t
    assert set(t) == {"rules", "model", "both", "highest_value", "random"}


def test_a_saved_model_scores_the_same_and_refuses_another_mapping(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    frame, model = trained
    path = model.save(tmp_path / "m.json")
    again = load_model(path)
    a = score(frame.tail(200), model=model, rules=None).table["score"]
    b = score(frame.tail(200), model=again, rules=None).table["score"]
    assert np.allclose(a, b)
    assert again.meta["data_sha256"] == "0" * 64
    assert again.meta["split"]["test_from"]
    assert again.meta["features"]
    other = parse_mapping(MAPPING.replace("value: cif.value", "value: fob.value"))
    with pytest.raises(ModelMismatchError, match="trained for column mapping"):
        again.check_mapping(other)
    (tmp_path / "x.json").write_text('{"format": "something-else"}')
    with pytest.raises(ModelMismatchError):
        load_model(tmp_path / "x.json")


def test_drift_is_stable_on_like_data_and_flags_a_shift(trained) -> None:  # type: ignore[no-untyped-def]
    _, model = trained
    like = history(3000, seed=9)  # the same world drawn again
    same = score(like, model=model, rules=None)
    assert same.drift.level == "stable", same.drift.to_dict()
    moved = like.copy()
    moved["value"] *= 0.05
    shifted = score(moved, model=model, rules=None)
    assert shifted.drift.level == "shifted"
    assert any("unit_value" in w or "log_value" in w for w in shifted.drift.warnings())


def test_metrics_at_n_percent_by_hand() -> None:
    score_ = np.arange(100, 0, -1, dtype=float)  # row 0 ranks first
    label = np.zeros(100)
    label[[0, 1, 50]] = 1
    revenue = np.zeros(100)
    revenue[[0, 50]] = [30.0, 70.0]
    m = at_n(score_, label, revenue)
    assert m["precision@1%"] == 1.0
    assert m["recall@1%"] == pytest.approx(1 / 3)
    assert m["precision@2%"] == 1.0
    assert m["recall@2%"] == pytest.approx(2 / 3)
    assert m["revenue@2%"] == pytest.approx(0.3)
    assert m["precision@10%"] == pytest.approx(0.2)
    base = random_baseline(label, revenue, draws=400)
    assert base["precision@10%"] == pytest.approx(0.03, abs=0.01)


def _csv(tmp_path: Path, frame: pd.DataFrame) -> Path:
    p = tmp_path / "history.csv"
    frame.to_csv(p, index=False)
    return p


def test_bad_values_are_refused_with_file_line_and_field(tmp_path: Path) -> None:
    raw = raw_history(50)
    raw.loc[3, "sgd.date"] = "2025.13.40"
    raw.loc[7, "cif.value"] = "12 EUR"
    raw.loc[9, "illicit"] = "maybe"
    p = _csv(tmp_path, raw)
    with pytest.raises(HistoryError) as err:
        read_history(p, parse_mapping(MAPPING), labelled=True)
    text = str(err.value)
    assert f"{p}:5: sgd.date '2025.13.40' is not a date" in text
    assert f"{p}:9: cif.value '12 EUR' is not a number" in text
    assert f"{p}:11: illicit 'maybe' is not a label" in text
    assert "3 bad value(s)" in text


def test_a_missing_column_suggests_the_header_name(tmp_path: Path) -> None:
    p = _csv(tmp_path, raw_history(20))
    mapping = parse_mapping(MAPPING.replace("value: cif.value", "value: cif_value"))
    with pytest.raises(HistoryError, match=r"'cif_value'.*did you mean 'cif.value'"):
        read_history(p, mapping, labelled=True)


def test_mapping_mistakes_name_their_line() -> None:
    with pytest.raises(HistoryError, match=r"<mapping>:3: unknown field 'dat'"):
        parse_mapping("columns:\n  id: a\n  dat: b\n  hs_code: c\n  value: d\n")
    with pytest.raises(HistoryError, match=r"required field 'date' is not mapped"):
        parse_mapping("columns:\n  id: a\n  hs_code: c\n  value: d\n")


def test_decimal_commas_and_labels_in_words(tmp_path: Path) -> None:
    raw = raw_history(30)
    raw["cif.value"] = raw["cif.value"].str.replace(".", ",", regex=False)
    raw["illicit"] = raw["illicit"].map({"1": "yes", "0": "no"})
    p = _csv(tmp_path, raw)
    mapping = parse_mapping(MAPPING + 'decimal: ","\n')
    frame = read_history(p, mapping, labelled=True)
    assert frame["value"].dtype == float
    assert frame["label"].isin([0.0, 1.0]).all()
    assert frame["line"].iloc[0] == 2
