"""Synthetic customs scenario with ground truth (issue 3).

``generate(seed, scale, out)`` writes border crossings, ANPR plate reads, cameras, a road
network, customs declarations, a company register extract, a watchlist, violations and
multilingual intelligence reports into ``out``, plus ``truth.json`` describing everything
that was planted. See docs/scenario.md.
"""

from pasienis.scenario.generator import generate
from pasienis.scenario.summary import ScenarioSummary

__all__ = ["ScenarioSummary", "generate"]
