"""Validated WGS84 coordinates as Pydantic types, shared by every API schema and query.

One definition, so no route can forget a bound: NaN, ±Infinity (and ``1e309``, which JSON
parsers read as infinity) and values outside -90..90 / -180..180 are refused with a 422 before
a handler runs. The same rule as :func:`pasienis.geo.validate_point`, minus its 0,0 check
(0,0 is legal input; position quality flags it where it matters).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Latitude = Annotated[
    float,
    Field(
        ge=-90.0,
        le=90.0,
        allow_inf_nan=False,
        description="WGS84 latitude in decimal degrees, -90..90",
    ),
]
Longitude = Annotated[
    float,
    Field(
        ge=-180.0,
        le=180.0,
        allow_inf_nan=False,
        description="WGS84 longitude in decimal degrees, -180..180",
    ),
]

__all__ = ["Latitude", "Longitude"]
