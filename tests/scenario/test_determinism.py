"""Same seed and scale give identical bytes; seeds and scales change the output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from scenario_io import read_csv

from pasienis.scenario import ScenarioSummary, generate


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_is_byte_identical(out: Path, tmp_path: Path) -> None:
    generate(seed=42, scale=1.0, out=tmp_path)
    assert _hashes(out) == _hashes(tmp_path)


def test_different_seed_differs(out: Path, tmp_path: Path) -> None:
    generate(seed=7, scale=1.0, out=tmp_path)
    a, b = _hashes(out), _hashes(tmp_path)
    assert a.keys() == b.keys()
    assert a["plate_reads.csv"] != b["plate_reads.csv"]
    assert a["crossings.csv"] != b["crossings.csv"]
    assert a["roads.osm"] == b["roads.osm"]  # the road network is fixed geography


def test_scale_is_linear_for_reads_and_crossings(out: Path, tmp_path: Path) -> None:
    half = generate(seed=42, scale=0.5, out=tmp_path)
    full = read_csv(out / "plate_reads.csv")
    ratio = len(full) / half.counts["plate_reads.csv"]
    assert 1.8 < ratio < 2.2
    assert 1.8 < len(read_csv(out / "crossings.csv")) / half.counts["crossings.csv"] < 2.2


def test_summary_is_json_serialisable(scenario: tuple[Path, ScenarioSummary]) -> None:
    root, summary = scenario
    data = json.loads(json.dumps(summary.to_dict()))
    assert data["counts"]["plate_reads.csv"] == len(read_csv(root / "plate_reads.csv"))
    assert "truth.json" in data["files"]
    assert all((root / f).is_file() for f in data["files"])


def test_progress_callback_sees_every_stage(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    generate(seed=1, scale=0.1, out=tmp_path, progress=lambda s, d, t: calls.append((s, d, t)))
    assert calls[-1][1] == calls[-1][2]
    assert [c[1] for c in calls] == list(range(1, len(calls) + 1))


def test_truth_counts_match_files(out: Path, truth: dict) -> None:
    for name in ("crossings.csv", "plate_reads.csv", "violations.csv"):
        assert truth["files"][name]["rows"] == len(read_csv(out / name))
    wl = (out / "watchlist.jsonl").read_text(encoding="utf-8").splitlines()
    assert truth["files"]["watchlist.jsonl"]["rows"] == len(wl)
