"""The hidden "real world" of the scenario: people, vehicles, companies and smuggling networks.

Why a separate world model: every output file is a *view* of the same underlying entities,
rendered with the noise of its source. Keeping the world explicit is what lets truth.json
state, precisely, which records are the same person or belong to the same network.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from pasienis.scenario import identifiers as ids
from pasienis.scenario.names import (
    PersonName,
    canonical,
    plausible_variants,
    random_name,
    variant,
)
from pasienis.scenario.plates import make_plate

NATIONALITY_WEIGHTS = {"LT": 45, "BY": 20, "RU": 10, "UA": 8, "PL": 9, "LV": 8}
NETWORK_SHAPES = ("star", "chain", "cell", "star", "chain")
_COMPANY_WORDS = (
    "Baltijos",
    "Rytų",
    "Vakarų",
    "Nemuno",
    "Neries",
    "Šiaurės",
    "Gintaro",
    "Žalgirio",
    "Vilniaus",
    "Kauno",
    "Trans",
    "Logistikos",
    "Prekybos",
    "Krovinių",
    "Sandėlių",
    "Medienos",
    "Kuro",
    "Tekstilės",
)
_COMPANY_TAILS = (
    "transportas",
    "logistika",
    "prekyba",
    "ekspresas",
    "centras",
    "grupė",
    "sprendimai",
    "partneriai",
    "terminalas",
    "servisas",
)
_FOREIGN_COMPANIES = (
    ("ООО «Гродно Транс Логистик»", "BY"),
    ("ОАО «Лидахлебопродукт»", "BY"),
    ("ООО «Балт Ойл Трейд»", "RU"),
    ("ООО «Янтарь Экспорт»", "RU"),
    ("Shenzhen Ruida Electronics Co., Ltd.", "CN"),
    ("Istanbul Tekstil Dis Ticaret A.S.", "TR"),
    ("ТОВ «Захід Агро»", "UA"),
    ("Sp. z o.o. Podlasie Trade", "PL"),
)


@dataclass(slots=True)
class Person:
    """A real individual; ``variant_kinds`` are the name renderings his records may use."""

    pid: str
    name: PersonName
    dob: date
    nationality: str
    doc_number: str
    phone: str
    address: str
    network: str = ""
    variant_kinds: tuple[str, ...] = ()


@dataclass(slots=True)
class Vehicle:
    """A registered vehicle; ``owner`` is a person id or empty for background traffic."""

    vid: str
    plate: str
    country: str
    kind: str
    owner: str = ""
    network: str = ""


@dataclass(slots=True)
class Company:
    """A Lithuanian company in the register extract."""

    code: str
    name: str
    legal_form: str
    address: str
    registered: date
    vat: str
    iban: str
    network: str = ""
    officers: list[tuple[str, str, float]] = field(default_factory=list)  # pid, role, share


@dataclass(slots=True)
class Network:
    """A planted smuggling network and its shape (edges between member persons)."""

    nid: str
    shape: str
    persons: list[str]
    edges: list[tuple[str, str]]
    vehicles: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    corridor: str = "MED"


@dataclass(slots=True)
class World:
    """Everything the output writers render."""

    persons: list[Person]
    vehicles: list[Vehicle]
    companies: list[Company]
    networks: list[Network]
    foreign_companies: tuple[tuple[str, str], ...] = _FOREIGN_COMPANIES

    def person(self, pid: str) -> Person:
        """Look up by id (ids are P00001-style and dense, so this is an index)."""
        return self.persons[int(pid[1:]) - 1]

    def vehicle(self, vid: str) -> Vehicle:
        """Look up by id (V00001-style, dense)."""
        return self.vehicles[int(vid[1:]) - 1]


def _new_person(rng: random.Random, idx: int, country: str, variant_share: float) -> Person:
    name = random_name(rng, country)
    dob = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 365 * 42))
    kinds: tuple[str, ...] = ()
    if rng.random() < variant_share:
        options = plausible_variants(name)
        kinds = tuple(rng.sample(options, k=min(len(options), rng.choice((1, 2)))))
    return Person(
        f"P{idx:05d}",
        name,
        dob,
        country,
        ids.document_number(rng, country),
        ids.phone(rng, country),
        ids.address_for(rng, country),
        "",
        kinds,
    )


def _edges(shape: str, members: list[str]) -> list[tuple[str, str]]:
    """Edges for the network shape: star = hub to all, chain = path, cell = linked triads."""
    if shape == "star":
        return [(members[0], m) for m in members[1:]]
    if shape == "chain":
        return list(itertools.pairwise(members))
    edges: list[tuple[str, str]] = []
    cells = [members[i : i + 3] for i in range(0, len(members), 3)]
    for cell in cells:
        edges += [(a, b) for i, a in enumerate(cell) for b in cell[i + 1 :]]
    edges += [(cells[i][0], cells[i + 1][0]) for i in range(len(cells) - 1)]
    return edges


def _new_company(rng: random.Random, network: str = "") -> Company:
    form = rng.choices(("UAB", "MB", "AB"), weights=(80, 17, 3))[0]
    name = f"{rng.choice(_COMPANY_WORDS)} {rng.choice(_COMPANY_TAILS)}"
    reg = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 365 * 31))
    if network:
        reg = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 600))  # fresh shells
    return Company(
        ids.company_code(rng),
        f"{form} „{name.capitalize()}“",
        form,
        ids.lt_address(rng),
        reg,
        ids.vat_number(rng),
        ids.lt_iban(rng),
        network,
    )


def build_world(rng: random.Random, scale: float) -> World:
    """Create the population. Sizes grow with sqrt(scale) so big runs stay coherent."""
    grow = math.sqrt(max(scale, 0.01))
    n_persons = max(60, int(260 * grow))
    countries = list(NATIONALITY_WEIGHTS)
    weights = list(NATIONALITY_WEIGHTS.values())
    persons = [
        _new_person(rng, i + 1, rng.choices(countries, weights)[0], 0.3) for i in range(n_persons)
    ]
    vehicles: list[Vehicle] = []
    for p in persons:
        if rng.random() < 0.85:
            kind = rng.choices(("car", "truck", "van"), weights=(60, 30, 10))[0]
            country = p.nationality if rng.random() < 0.9 else rng.choice(("LT", "DE", "PL"))
            vehicles.append(
                Vehicle(f"V{len(vehicles) + 1:05d}", make_plate(rng, country), country, kind, p.pid)
            )
    companies = [_new_company(rng) for _ in range(max(20, int(70 * grow)))]
    world = World(persons, vehicles, companies, [])
    _plant_networks(rng, world)
    _assign_officers(rng, world)
    return world


def _plant_networks(rng: random.Random, world: World) -> None:
    """Five networks of different shapes with shared phones, addresses, vehicles, shells."""
    corridors = ("MED", "SAL", "KYB", "RAI", "PAN")
    for n, shape in enumerate(NETWORK_SHAPES, start=1):
        nid = f"N{n}"
        size = {"star": 6, "chain": 5, "cell": 9}[shape]
        members = []
        for _ in range(size):
            country = rng.choices(("LT", "BY", "RU", "UA"), weights=(50, 30, 12, 8))[0]
            p = _new_person(rng, len(world.persons) + 1, country, 0.75)
            p.network = nid
            world.persons.append(p)
            members.append(p.pid)
        net = Network(nid, shape, members, _edges(shape, members), corridor=corridors[n - 1])
        shared_address = ids.lt_address(rng)
        for pid in members[: max(2, size // 2)]:
            world.person(pid).address = shared_address
        burner = ids.phone(rng, "LT")
        for pid in members[1:3]:
            world.person(pid).phone = burner  # a handed-over burner phone
        net.addresses = [shared_address]
        net.phones = sorted({world.person(pid).phone for pid in members})
        for kind, owner in (("car", members[1]), ("truck", members[-1]), ("van", members[0])):
            country = "LT" if kind != "truck" else rng.choice(("LT", "BY", "PL"))
            v = Vehicle(
                f"V{len(world.vehicles) + 1:05d}",
                make_plate(rng, country),
                country,
                kind,
                owner,
                nid,
            )
            world.vehicles.append(v)
            net.vehicles.append(v.vid)
        for _ in range(1 + n % 3):
            c = _new_company(rng, nid)
            c.address = shared_address if rng.random() < 0.7 else c.address
            world.companies.append(c)
            net.companies.append(c.code)
        world.networks.append(net)


def _assign_officers(rng: random.Random, world: World) -> None:
    """Directors/shareholders: network shells are run by network members (often nominees)."""
    by_net = {n.nid: n for n in world.networks}
    plain = [p.pid for p in world.persons if not p.network]
    for c in world.companies:
        pool = by_net[c.network].persons if c.network else plain
        director = rng.choice(pool)
        c.officers.append((director, "director", 0.0))
        holders = rng.sample(pool, k=min(len(pool), rng.choice((1, 2, 3))))
        shares = [rng.randint(10, 60) for _ in holders]
        total = sum(shares)
        for pid, s in zip(holders, shares, strict=True):
            c.officers.append((pid, "shareholder", round(100.0 * s / total, 2)))


def written_name(person: Person, rng: random.Random, p_variant: float = 0.35) -> str:
    """How one source record writes this person's name: usually canonical, sometimes a variant."""
    if person.variant_kinds and rng.random() < p_variant:
        return variant(person.name, rng.choice(person.variant_kinds), rng)
    return canonical(person.name)
