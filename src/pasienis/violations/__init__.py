"""Violations: the registry of seizures with exact coordinates, and its analyses.

Hexagon binning and kernel density; Getis-Ord Gi* hot and cold spots with FDR correction;
emerging hot spots over time (space-time Gi* + Mann-Kendall); hour-of-week, monthly and
near-repeat patterns; prediction surfaces evaluated by the Predictive Accuracy Index.
Operations half: it meets the intelligence half only through the bus and the API flows.
"""

from pasienis.violations.density import Density, kernel_density
from pasienis.violations.emerging import CATEGORIES as EMERGING_CATEGORIES
from pasienis.violations.emerging import EmergingHotSpots, emerging_hot_spots
from pasienis.violations.errors import AnalysisInputError, ViolationsError
from pasienis.violations.export import cells_geojson, rows_csv
from pasienis.violations.grid import Area, bin_points, country_cells, neighbour_matrix, study_area
from pasienis.violations.hotspots import HotSpots, fdr_significance, gi_star, hot_spots
from pasienis.violations.patterns import NearRepeat, hour_of_week, monthly_by_category, near_repeat
from pasienis.violations.points import Filters, Points, load_points, make_points
from pasienis.violations.predict import (
    AREA_SHARES,
    Evaluation,
    evaluate,
    last_period_surface,
    recency_surface,
    top_cells,
)
from pasienis.violations.service import (
    KINDS,
    Analysis,
    analyse,
    compare,
    month_slices,
    run_on_points,
)

__all__ = [
    "AREA_SHARES",
    "EMERGING_CATEGORIES",
    "KINDS",
    "Analysis",
    "AnalysisInputError",
    "Area",
    "Density",
    "EmergingHotSpots",
    "Evaluation",
    "Filters",
    "HotSpots",
    "NearRepeat",
    "Points",
    "ViolationsError",
    "analyse",
    "bin_points",
    "cells_geojson",
    "compare",
    "country_cells",
    "emerging_hot_spots",
    "evaluate",
    "fdr_significance",
    "gi_star",
    "hot_spots",
    "hour_of_week",
    "kernel_density",
    "last_period_surface",
    "load_points",
    "make_points",
    "month_slices",
    "monthly_by_category",
    "near_repeat",
    "neighbour_matrix",
    "recency_surface",
    "rows_csv",
    "run_on_points",
    "study_area",
    "top_cells",
]
