"""Coarse Lithuanian trunk-road network, ANPR camera placement and the OSM XML writer.

Why: plate-read timestamps must be consistent with distances along real roads, and routing
tools downstream need a graph. We therefore draw the main A-roads between real towns and
checkpoints (see ``geo``), densify them every ~2 km, and reuse one node per town so that the
ways join into a connected graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import numpy as np

from pasienis.scenario.geo import INTERNAL_BORDER, haversine_km, place_by_code

# (ref, name, highway, maxspeed, place codes in driving order). Refs are the real road numbers;
# spur roads to smaller checkpoints carry no ref because we do not vouch for their numbers.
ROAD_SPECS: tuple[tuple[str, str, str, int, tuple[str, ...]], ...] = (
    ("A1", "Vilnius–Kaunas–Klaipėda", "motorway", 130, ("VNO", "ELE", "KUN", "KRY", "KLJ")),
    ("A2", "Vilnius–Panevėžys", "motorway", 130, ("VNO", "UKM", "PNV")),
    ("A3", "Vilnius–Medininkai", "trunk", 90, ("VNO", "MED")),
    ("A4", "Vilnius–Varėna–Gardinas", "trunk", 90, ("VNO", "VAR", "MER", "RAI")),
    ("A5", "Kaunas–Marijampolė–Suvalkai", "trunk", 90, ("KUN", "MAR", "KAL")),
    ("A6", "Kaunas–Zarasai–Daugpilis", "trunk", 90, ("KUN", "JON", "KAV", "UTE", "ZRS", "ZAR")),
    ("A7", "Marijampolė–Kybartai–Kaliningradas", "trunk", 90, ("MAR", "VLK", "KYB")),
    ("A8", "Panevėžys–Aristava–Sitkūnai", "trunk", 90, ("PNV", "KED", "SIT")),
    ("A10", "Panevėžys–Pasvalys–Ryga", "trunk", 90, ("PNV", "PAS", "SAO")),
    (
        "A12",
        "Ryga–Šiauliai–Tauragė–Kaliningradas",
        "trunk",
        90,
        ("MEK", "JNS", "SQQ", "KRY", "TAU", "PAN"),
    ),
    ("A13", "Klaipėda–Liepoja", "trunk", 90, ("KLJ", "PLQ", "BUT")),
    ("A15", "Vilnius–Lyda", "trunk", 90, ("VNO", "SLC", "SAL")),
    ("A16", "Vilnius–Prienai–Marijampolė", "trunk", 90, ("VNO", "TRA", "PRI", "MAR")),
    ("", "Vilnius–Lavoriškės", "primary", 90, ("VNO", "LAV")),
    ("", "Vilnius–Šumskas", "primary", 90, ("VNO", "SUM")),
    ("", "Vilkaviškis–Ramoniškiai", "primary", 90, ("VLK", "RAM")),
)

SEGMENT_KM = 2.0
_INTERNAL_NAMES = frozenset(p.name for p in INTERNAL_BORDER)
CAMERA_SPACING_KM = 35.0


@dataclass(slots=True)
class Road:
    """One OSM way: its node ids, coordinates and cumulative distance from its first node."""

    ref: str
    name: str
    highway: str
    maxspeed: int
    node_ids: list[int]
    lats: np.ndarray
    lons: np.ndarray
    cum_km: np.ndarray

    @property
    def key(self) -> str:
        """Stable identifier: the ref, or the name for unnumbered spurs."""
        return self.ref or self.name

    @property
    def length_km(self) -> float:
        """Total length along the polyline."""
        return float(self.cum_km[-1])


@dataclass(frozen=True, slots=True)
class Camera:
    """A fixed ANPR camera on a road, located ``km`` from the road's first node."""

    camera_id: str
    name: str
    road: str
    lat: float
    lon: float
    direction: str
    km: float


@dataclass(slots=True)
class RoadNetwork:
    """All ways plus the shared town nodes (tagged with place names in the OSM output)."""

    roads: list[Road]
    place_nodes: dict[int, str] = field(default_factory=dict)
    cameras: list[Camera] = field(default_factory=list)

    def road(self, key: str) -> Road:
        """Find a road by ref or name."""
        return next(r for r in self.roads if r.key == key)


def _densify(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """Intermediate points between a and b (excluding both) every ~SEGMENT_KM.

    A gentle deterministic sine bend (at most ~1 km sideways) keeps the polyline from being a
    ruler-straight line, which would make every road look synthetic on a map.
    """
    dist = haversine_km(a[0], a[1], b[0], b[1])
    n = max(1, math.ceil(dist / SEGMENT_KM))
    dlat, dlon = b[0] - a[0], b[1] - a[1]
    norm = math.hypot(dlat, dlon) or 1.0
    amp = 0.008 * min(dist, 60.0) / 60.0
    out = []
    for i in range(1, n):
        t = i / n
        off = amp * math.sin(math.pi * t)
        lat = a[0] + dlat * t - off * dlon / norm
        lon = a[1] + dlon * t + off * dlat / norm
        out.append((round(lat, 6), round(lon, 6)))
    return out


def build_network() -> RoadNetwork:
    """Build the deterministic road network (no randomness: it is the same for every seed)."""
    next_id = 1
    place_ids: dict[str, int] = {}
    net = RoadNetwork(roads=[])
    for ref, name, highway, speed, codes in ROAD_SPECS:
        ids: list[int] = []
        pts: list[tuple[float, float]] = []
        for i, code in enumerate(codes):
            place = place_by_code(code)
            here = (place.lat, place.lon)
            if i > 0:
                for p in _densify(pts[-1], here):
                    ids.append(next_id)
                    pts.append(p)
                    next_id += 1
            if code not in place_ids:
                place_ids[code] = next_id
                net.place_nodes[next_id] = place.name
                next_id += 1
            ids.append(place_ids[code])
            pts.append(here)
        lats = np.array([p[0] for p in pts])
        lons = np.array([p[1] for p in pts])
        steps = [haversine_km(*pts[i], *pts[i + 1]) for i in range(len(pts) - 1)]
        cum = np.concatenate([[0.0], np.cumsum(steps)])
        net.roads.append(Road(ref, name, highway, speed, ids, lats, lons, cum))
    border_ends = {nid for nid, name in net.place_nodes.items() if name in _INTERNAL_NAMES}
    net.cameras = _place_cameras(net.roads, set(net.place_nodes), border_ends)
    return net


def _axis(road: Road, i: int) -> str:
    """Compass axis of the road at node i, e.g. 'NE-SW' (cameras read both carriageways)."""
    j = min(i + 1, len(road.node_ids) - 1)
    k = max(j - 1, 0)
    dy = road.lats[j] - road.lats[k]
    dx = (road.lons[j] - road.lons[k]) * math.cos(math.radians(road.lats[k]))
    bearing = (math.degrees(math.atan2(dx, dy)) + 360) % 180
    names = ("N-S", "NE-SW", "E-W", "SE-NW")
    return names[int(((bearing + 22.5) % 180) // 45)]


def _camera_nodes(road: Road, shared: set[int], border_ends: set[int]) -> list[int]:
    """Node indices that get a camera: every ~35 km, plus next to an internal-border end."""
    last = len(road.node_ids) - 1
    n = max(2, round(road.length_km / CAMERA_SPACING_KM))
    picks: list[int] = []
    for k in range(n):
        i = int(np.argmin(np.abs(road.cum_km - road.length_km * (k + 0.5) / n)))
        i = min(max(i, 1), last - 1)
        while road.node_ids[i] in shared and i < last - 1:
            i += 1
        if i not in picks:
            picks.append(i)
    if road.node_ids[0] in border_ends and 1 not in picks:
        picks.insert(0, 1)
    if road.node_ids[last] in border_ends and last - 1 not in picks:
        picks.append(last - 1)
    return picks


def _place_cameras(roads: list[Road], shared: set[int], border_ends: set[int]) -> list[Camera]:
    """Cameras along each road, never on a node shared with another road.

    Numbered roads get ids like CAM-A1-02; unnumbered spurs CAM-P1-01 in spec order.
    """
    cams: list[Camera] = []
    spur = 0
    for road in roads:
        if not road.ref:
            spur += 1
        slug = road.ref or f"P{spur}"
        for num, i in enumerate(_camera_nodes(road, shared, border_ends), start=1):
            cams.append(
                Camera(
                    camera_id=f"CAM-{slug}-{num:02d}",
                    name=f"{road.key} km {road.cum_km[i]:.1f}",
                    road=road.key,
                    lat=float(road.lats[i]),
                    lon=float(road.lons[i]),
                    direction=_axis(road, i),
                    km=float(road.cum_km[i]),
                )
            )
    return cams


def write_osm(net: RoadNetwork, path: Path) -> int:
    """Write the network as OSM XML 0.6; returns the number of ways written."""
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="pasienis-scenario">',
        '  <bounds minlat="53.85" minlon="20.90" maxlat="56.50" maxlon="26.90"/>',
    ]
    seen: set[int] = set()
    for road in net.roads:
        for nid, lat, lon in zip(road.node_ids, road.lats, road.lons, strict=True):
            if nid in seen:
                continue
            seen.add(nid)
            if nid in net.place_nodes:
                lines.append(f'  <node id="{nid}" version="1" lat="{lat:.6f}" lon="{lon:.6f}">')
                lines.append(f'    <tag k="name" v={quoteattr(net.place_nodes[nid])}/>')
                lines.append("  </node>")
            else:
                lines.append(f'  <node id="{nid}" version="1" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    for wid, road in enumerate(net.roads, start=1):
        lines.append(f'  <way id="{wid}" version="1">')
        lines.extend(f'    <nd ref="{nid}"/>' for nid in road.node_ids)
        tags = {"highway": road.highway, "name": road.name, "maxspeed": str(road.maxspeed)}
        if road.ref:
            tags["ref"] = road.ref
        lines.extend(f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items())
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(net.roads)
