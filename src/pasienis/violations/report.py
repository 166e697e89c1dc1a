"""A one-page PDF of an analysis: title, filters, a map picture of the cells, the top rows.

Drawn with reportlab (already a dependency) straight from the cells' polygons and the shipped
country outline, so the report needs no tile server and no browser.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import h3
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pasienis.violations.service import Analysis

MAP_BOX = (40.0, 300.0, 515.0, 460.0)  # x, y, width, height in points
KIND_COLOURS = {"hot": colors.HexColor("#c0392b"), "cold": colors.HexColor("#2e86c1")}


def _outline() -> list[tuple[float, float]]:
    text = (
        resources.files("pasienis.web.geo").joinpath("lithuania-outline.geojson").read_text("utf-8")
    )
    geometry = json.loads(text)["features"][0]["geometry"]
    ring = (
        geometry["coordinates"][0]
        if geometry["type"] == "Polygon"
        else geometry["coordinates"][0][0]
    )
    return [(float(lon), float(lat)) for lon, lat in ring]


class _Projection:
    """Lon/lat to page points, keeping the map's aspect (equirectangular at 55° N)."""

    def __init__(self, west: float, south: float, east: float, north: float) -> None:
        x, y, w, h = MAP_BOX
        k = 0.574  # cos(55°)
        scale = min(w / ((east - west) * k), h / (north - south))
        self.x0, self.y0, self.k, self.scale, self.west, self.south = x, y, k, scale, west, south

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.x0 + (lon - self.west) * self.k * self.scale,
            self.y0 + (lat - self.south) * self.scale,
        )


def _colour(row: dict[str, Any], top: float) -> colors.Color:
    if row.get("kind") in KIND_COLOURS:
        return KIND_COLOURS[row["kind"]]
    value = float(row.get("count") or abs(row.get("change") or 0) or 1)
    return colors.Color(0.8, 0.2, 0.1, alpha=0.25 + 0.75 * min(1.0, value / top))


def _draw_map(pdf: canvas.Canvas, rows: Sequence[dict[str, Any]]) -> None:
    outline = _outline()
    project = _Projection(20.9, 53.85, 26.9, 56.5)
    pdf.setStrokeColor(colors.grey)
    path = pdf.beginPath()
    path.moveTo(*project(*outline[0]))
    for lon, lat in outline[1:]:
        path.lineTo(*project(lon, lat))
    path.close()
    pdf.drawPath(path, stroke=1, fill=0)
    cells = [r for r in rows if "cell" in r and r.get("kind") != "not_significant"]
    top = max((float(r.get("count") or 1) for r in cells), default=1.0)
    for row in cells[:5000]:
        boundary = h3.cell_to_boundary(str(row["cell"]))
        pdf.setFillColor(_colour(row, top))
        path = pdf.beginPath()
        path.moveTo(*project(boundary[0][1], boundary[0][0]))
        for lat, lon in boundary[1:]:
            path.lineTo(*project(lon, lat))
        path.close()
        pdf.drawPath(path, stroke=0, fill=1)


def pdf_report(analysis: Analysis, *, title: str, filters: dict[str, Any]) -> bytes:
    """The analysis as a one-page A4 PDF."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    _width, height = A4
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(40, height - 50, title)
    pdf.setFont("Helvetica", 9)
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Analysis: {analysis.kind}   Made: {made}",
        "Filters: " + (", ".join(f"{k}={v}" for k, v in filters.items() if v) or "none"),
        "Parameters: "
        + ", ".join(f"{k}={v}" for k, v in analysis.parameters.items() if k != "slices"),
        "Summary: " + ", ".join(f"{k}={v}" for k, v in analysis.summary.items()),
    ]
    for i, line in enumerate(lines):
        pdf.drawString(40, height - 70 - 12 * i, line[:130])
    _draw_map(pdf, analysis.rows)
    pdf.setFont("Helvetica-Bold", 9)
    pdf.drawString(40, 280, "Top rows")
    pdf.setFont("Courier", 7.5)
    for i, row in enumerate(analysis.rows[:22]):
        text = "  ".join(f"{k}={v}" for k, v in row.items() if k != "z_by_slice")
        pdf.drawString(40, 268 - 11 * i, text[:150])
    pdf.showPage()
    pdf.save()
    return out.getvalue()
