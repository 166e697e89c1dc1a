"""Name variants at scale: person records written the ways the scenario generator writes
names, with a date of birth and nothing else, resolved by ours and by Splink's fake_1000
example model in the same run.

Why a set of its own: the scenario holds few transliterated records (4 in Cyrillic script,
12 lithuanized), and its records nearly always share a document or vehicle with the
person's other records, so both models link them by those. Here the name is the evidence.
The names, their variants and the female surname forms are the generator's own
(:mod:`pasienis.scenario.names`: ``random_name``, ``variant``, ``plausible_variants``,
``female_surname``); nothing here knows how either model folds names.

Each person has one to four records; each is written as a variant with probability
``VARIANT`` (its kind drawn from the variants that change the person's name), else as in the
passport — the scenario's mix (22% of its person records are variants), because what EM
learns of a name level depends on how many of the matching pairs fall on it. Hard
negatives, so precision is tested too: the generator's small name pools give many
namesakes (same name, other date), a share of them born the same year; relatives share
the family name in its gender form (Ivanov / Ivanova, Kazlauskas / Kazlauskienė), some
with the same date of birth (twins).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from pasienis.resolve import RunParams
from pasienis.resolve import engine as eng
from pasienis.resolve.cluster import cluster as cluster_pairs
from pasienis.resolve.features import fold
from pasienis.resolve.kinds import kind_of
from pasienis.scenario.names import (
    PersonName,
    canonical,
    female_surname,
    plausible_variants,
    random_name,
    variant,
)
from resolve_refs import splink_reference

#: Country mix: mostly Cyrillic-script nationals (the variants in question), then the
#: Latin-script countries whose names are lithuanized (LV, PL) or only re-cased (LT).
COUNTRIES = {"RU": 0.25, "BY": 0.2, "UA": 0.2, "LT": 0.15, "LV": 0.1, "PL": 0.1}
#: Probability that a record's name is a variant (the scenario: 206 of 955 records).
VARIANT = 0.22
#: Share of persons with a namesake born the same year (another day), and with a relative.
SAME_YEAR_NAMESAKE = 0.1
RELATIVE = 0.15
#: Share of relatives who are twins (same date of birth).
TWIN = 0.3


@dataclass(frozen=True)
class Record:
    id: str
    person: str
    kind: str  # the variant kind of its written name
    name: str
    dob: str
    relation: str  # how its person was drawn: person, namesake, relative, twin
    canonical: str  # the person's name as in their passport


def _dob(rng: random.Random) -> date:
    return date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))


def _records(pid: str, name: PersonName, dob: date, relation: str,
             rng: random.Random) -> list[tuple[str, ...]]:  # fmt: skip
    options = list(plausible_variants(name))
    kinds = [rng.choice(options) if rng.random() < VARIANT else "canonical"
             for _ in range(rng.randint(1, 4))]  # fmt: skip
    return [(pid, k, variant(name, k, rng), dob.isoformat(), relation, canonical(name))
            for k in kinds]  # fmt: skip


def _relative(name: PersonName, rng: random.Random) -> PersonName:
    """Another person of the same family: a man's wife or sister (the female form of his
    family name) or brother; a woman's sister (her form of the name). Another given name."""
    gender = "F" if name.gender == "F" or rng.random() < 0.5 else "M"
    family = name.family
    if name.gender == "M" and gender == "F":
        family = female_surname(name.family, name.country, married=rng.random() < 0.6)
    given = name.given
    while given == name.given:
        other = random_name(rng, name.country)
        given = other.given if other.gender == gender else given
    return PersonName(given, family, gender, name.country)


def variant_set(persons: int, seed: int = 7) -> list[Record]:
    """Records of ``persons`` people (plus their namesakes and relatives)."""
    rng = random.Random(seed)
    countries, weights = zip(*COUNTRIES.items(), strict=True)
    raw: list[tuple[str, ...]] = []
    for i in range(persons):
        name = random_name(rng, rng.choices(countries, weights)[0])
        dob = _dob(rng)
        raw += _records(f"p{i}", name, dob, "person", rng)
        if rng.random() < SAME_YEAR_NAMESAKE:
            other = dob.replace(month=rng.randint(1, 12), day=rng.randint(1, 28))
            if other != dob:
                raw += _records(f"p{i}n", name, other, "namesake", rng)
        if rng.random() < RELATIVE:
            twin = rng.random() < TWIN
            raw += _records(f"p{i}r", _relative(name, rng), dob if twin else _dob(rng),
                            "twin" if twin else "relative", rng)  # fmt: skip
    return [Record(f"v{n:06d}", *r) for n, r in enumerate(raw)]


def _ours(records: list[Record]) -> list[list[str]]:
    kind = kind_of("person")
    rows = []
    for r in records:
        row = fold(kind, {"name": [r.name], "birthDate": [r.dob]})
        rows.append(row | {"entity_id": r.id, "kind": "person", "datasets": "variants"})
    linker, _ = eng.train(eng.Engine(), eng.frame(rows), "person", seed=42,
                          max_pairs=RunParams().max_pairs)  # fmt: skip
    preds = eng.predict(linker, threshold=RunParams().merge_threshold)
    return cluster_pairs(sorted(zip(preds.unique_id_l.astype(str),
                                    preds.unique_id_r.astype(str), strict=True)))[0]  # fmt: skip


def reference_frame(records: list[Record]) -> pd.DataFrame:
    """fake_1000's columns: the name split at the first space, the date; no city, no email."""
    rows = []
    for r in records:
        first, _, rest = r.name.strip().partition(" ")
        rows.append({"unique_id": r.id, "first_name": first or None, "surname": rest or None,
                     "dob": r.dob, "city": None, "email": None})  # fmt: skip
    return pd.DataFrame(rows).astype("string")


def _theirs(records: list[Record], prior_on: list[str] | None = None) -> list[list[str]]:
    preds = splink_reference("fake_1000", reference_frame(records), prior_on)
    threshold = RunParams().merge_threshold
    return cluster_pairs(sorted((str(a), str(b)) for a, b, p in preds.itertuples(index=False)
                                if p >= threshold))[0]  # fmt: skip


def _kinds_of(a: Record, b: Record) -> set[str]:
    """A pair counts for each non-canonical kind of its records; two canonical: canonical."""
    return ({a.kind, b.kind} - {"canonical"}) or {"canonical"}


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _pairs_by_kind(members: list[Record]) -> Counter[str]:
    """Pairs of ``members`` per kind (see :func:`_kinds_of`), counted, not enumerated (a
    model that chains namesakes makes clusters of thousands)."""
    kinds = Counter(r.kind for r in members)
    out: Counter[str] = Counter({"canonical": _pairs(kinds["canonical"]),
                                 "all": _pairs(len(members))})  # fmt: skip
    for k, n in kinds.items():
        if k != "canonical":
            out[k] = _pairs(len(members)) - _pairs(len(members) - n)
    return out


@dataclass
class Tally:
    """Pair counts of one model, summed over the variant sets it ran on."""

    true: Counter[str]
    pred: Counter[str]
    hit: Counter[str]
    wrong: Counter[str]

    def prf(self, kind: str) -> tuple[float, float, float]:
        p = self.hit[kind] / self.pred[kind] if self.pred[kind] else 1.0
        r = self.hit[kind] / self.true[kind] if self.true[kind] else 1.0
        return p, r, 2 * p * r / (p + r) if p + r else 0.0


def by_kind(records: list[Record], groups: list[list[str]], tally: Tally) -> None:
    """Add the true, predicted and found pairs per variant kind (and ``all``) and the
    false merges by how the two people were drawn (:func:`_false_merges`) to ``tally``."""
    rec = {r.id: r for r in records}
    by_person: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_person[r.person].append(r)
    for members in by_person.values():
        tally.true.update(_pairs_by_kind(members))
    for g in groups:
        members = [rec[x] for x in g]
        tally.pred.update(_pairs_by_kind(members))
        people: dict[str, list[Record]] = defaultdict(list)
        for r in members:
            people[r.person].append(r)
        for group in people.values():
            tally.hit.update(_pairs_by_kind(group))
        _false_merges(people, tally.wrong)


def _false_merges(people: dict[str, list[Record]], wrong: Counter[str]) -> None:
    """Count the cluster's pairs of different people by relation: a drawn namesake (same
    name, same year), relative or twin; a namesake by the pools' chance; unrelated."""
    size = {p: len(rs) for p, rs in people.items()}
    total = _pairs(sum(size.values())) - sum(_pairs(n) for n in size.values())
    drawn: Counter[str] = Counter()
    for p, n in size.items():
        if p[-1] in "nr":  # p12n, p12r: a namesake or relative drawn for p12
            relation = people[p][0].relation
            drawn[relation] += n * size.get(p[:-1], 0)
            if p[-1] == "r":  # and the relative of p12's namesake
                drawn[relation] += n * size.get(p[:-1] + "n", 0)
    names: dict[str, Counter[str]] = defaultdict(Counter)
    for p, rs in people.items():
        names[rs[0].canonical][p] += len(rs)
    chance = sum(_pairs(sum(c.values())) - sum(_pairs(n) for n in c.values())
                 for c in names.values())  # fmt: skip
    chance -= drawn["namesake"]  # a drawn namesake has the same name too
    wrong.update({k: v for k, v in drawn.items() if v})
    if chance:
        wrong["namesake (chance)"] += chance
    if total - sum(drawn.values()) - chance:
        wrong["unrelated"] += total - sum(drawn.values()) - chance


#: Models of the comparison, by label.
MODELS: dict[str, Callable[[list[Record]], list[list[str]]]] = {
    "pasienis": _ours,
    "splink example": _theirs,
    # The example's prior rule (first name + surname) takes namesakes for matches here, and
    # EM follows it: the same model with its prior from name + date too.
    "splink, prior n+d": lambda rs: _theirs(rs, ["first_name", "surname", "dob"]),
}


def variants(metrics: Callable[..., dict[str, float]], persons: int = 4000,
             seeds: Sequence[int] = (7,)) -> None:  # fmt: skip
    """Both models on a variant set per seed; pairs by kind summed over the seeds."""
    tallies = {label: Tally(Counter(), Counter(), Counter(), Counter()) for label in MODELS}
    for seed in seeds:
        records = variant_set(persons, seed)
        truth = {r.id: r.person for r in records}
        print(
            f"variants: {len(records):,} records of {len(set(truth.values())):,} persons "
            f"(seed {seed}); kinds: "
            + ", ".join(f"{k} {n}" for k, n in sorted(Counter(r.kind for r in records).items()))
            + "; drawn as: "
            + ", ".join(f"{k} {n}" for k, n in sorted(Counter(r.relation
                                                              for r in records).items())),
            flush=True,
        )  # fmt: skip
        for label, run in MODELS.items():
            groups = run(records)
            m = metrics(truth, groups)
            print(f"variants seed {seed:<3} {label:<17} P {m['P']:.4f} R {m['R']:.4f} "
                  f"F1 {m['F1']:.4f} B3 F1 {m['B3_F1']:.4f}", flush=True)  # fmt: skip
            by_kind(records, groups, tallies[label])
    print(f"variants, {persons} persons x seeds {list(seeds)}, pairs summed; by kind "
          "(true pairs; then P R F1 of: " + "; ".join(MODELS) + ")")  # fmt: skip
    kinds = [*sorted(set(tallies["pasienis"].true) - {"all"}), "all"]
    for k in kinds:
        cells = [t.prf(k) for t in tallies.values()]
        print(f"variants {k:<14} {tallies['pasienis'].true[k]:>7}" + "".join(
            f"   {p:.4f} {r:.4f} {f:.4f}" for p, r, f in cells), flush=True)  # fmt: skip
    for label, t in tallies.items():
        print(f"variants false merges (pairs), {label}: "
              + (", ".join(f"{k} {n}" for k, n in sorted(t.wrong.items())) or "none"),
              flush=True)  # fmt: skip
