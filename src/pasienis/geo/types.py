"""Validated WGS84 coordinates as Pydantic types, shared by every API schema and query.

One definition, so no route can forget a bound: NaN, ±Infinity (and ``1e309``, which JSON
parsers read as infinity) and values outside -90..90 / -180..180 are refused with a 422 before
a handler runs. The same rule as :func:`pasienis.geo.validate_point`, minus its 0,0 check
(0,0 is legal input; position quality flags it where it matters).
"""

from __future__ import annotations

from typing import Annotated

import annotated_types as at
from pydantic import AllowInfNan, Field

Latitude = Annotated[
    float,
    at.Ge(-90.0),
    at.Le(90.0),
    AllowInfNan(False),
    Field(description="WGS84 latitude in decimal degrees, -90..90"),
]
Longitude = Annotated[
    float,
    at.Ge(-180.0),
    at.Le(180.0),
    AllowInfNan(False),
    Field(description="WGS84 longitude in decimal degrees, -180..180"),
]

__all__ = ["Latitude", "Longitude"]
