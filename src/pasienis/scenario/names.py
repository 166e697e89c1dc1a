"""Personal names as they really appear in Lithuanian border and customs data.

Why: entity resolution is only meaningful if the same person shows up as "Žukauskas",
"Zukauskas", "ZUKAUSKAS TOMAS", "Александр Иванов", "Aleksandr Ivanov" and
"Aleksandras Ivanovas". This module owns the name pools, the transliteration rules and the
variant generators; the rest of the generator only asks for ``variant(person, kind)``.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

# Pools: (male given, female given, male surnames). Female surnames are derived by rule.
_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "LT": (
        (
            "Jonas",
            "Tomas",
            "Mindaugas",
            "Darius",
            "Andrius",
            "Vytautas",
            "Marius",
            "Paulius",
            "Giedrius",
            "Saulius",
            "Rimantas",
            "Algirdas",
            "Kęstutis",
            "Žydrūnas",
            "Arūnas",
            "Audrius",
            "Dainius",
            "Gintaras",
            "Linas",
            "Šarūnas",
            "Evaldas",
            "Tadas",
        ),
        (
            "Rūta",
            "Jurgita",
            "Ieva",
            "Aistė",
            "Gintarė",
            "Eglė",
            "Laura",
            "Vaida",
            "Rasa",
            "Inga",
            "Daiva",
            "Kristina",
            "Živilė",
            "Asta",
            "Jūratė",
            "Neringa",
        ),
        (
            "Kazlauskas",
            "Jankauskas",
            "Petrauskas",
            "Stankevičius",
            "Vasiliauskas",
            "Žukauskas",
            "Butkus",
            "Paulauskas",
            "Urbonas",
            "Kavaliauskas",
            "Baranauskas",
            "Pocius",
            "Lukoševičius",
            "Šimkus",
            "Balčiūnas",
            "Navickas",
            "Mockus",
            "Žilinskas",
            "Rimkus",
            "Grigas",
            "Sabonis",
            "Valančius",
            "Šukys",
            "Daukša",
        ),
    ),
    "LV": (
        ("Jānis", "Andris", "Māris", "Edgars", "Kārlis", "Roberts", "Artūrs"),
        ("Anna", "Ilze", "Līga", "Inese", "Kristīne"),
        ("Bērziņš", "Kalniņš", "Ozoliņš", "Jansons", "Liepiņš", "Krūmiņš", "Vītols"),
    ),
    "PL": (
        ("Piotr", "Krzysztof", "Tomasz", "Paweł", "Marcin", "Łukasz", "Grzegorz"),
        ("Anna", "Katarzyna", "Małgorzata", "Agnieszka", "Magdalena"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Zieliński", "Szymański"),
    ),
    "BY": (
        ("Александр", "Сергей", "Андрей", "Дмитрий", "Виктор", "Игорь", "Павел", "Николай"),
        ("Ольга", "Наталья", "Елена", "Татьяна", "Ирина", "Светлана"),
        (
            "Новик",
            "Ковалевич",
            "Жук",
            "Мельников",
            "Кравченко",
            "Шевчук",
            "Козловский",
            "Лукашевич",
            "Ярошевич",
            "Бондарь",
        ),
    ),
    "RU": (
        ("Александр", "Сергей", "Алексей", "Дмитрий", "Максим", "Евгений", "Владимир"),
        ("Ольга", "Мария", "Елена", "Анна", "Юлия", "Екатерина"),
        (
            "Иванов",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Соколов",
            "Лебедев",
            "Морозов",
            "Волков",
            "Федоров",
            "Зайцев",
        ),
    ),
    "UA": (
        ("Олександр", "Сергій", "Андрій", "Микола", "Віталій", "Юрій"),
        ("Олена", "Наталія", "Оксана", "Ірина", "Тетяна"),
        ("Шевченко", "Бондаренко", "Коваленко", "Ткаченко", "Кравчук", "Олійник", "Мельник"),
    ),
}

CYRILLIC_COUNTRIES = frozenset({"BY", "RU", "UA"})
#: Countries whose nationals the scenario draws names for.
COUNTRIES: tuple[str, ...] = tuple(_POOLS)

# ICAO Doc 9303 (2015) transliteration as printed in passports' Latin fields.
_ICAO = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "ґ": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "є": "ie",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ў": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "ie",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    "'": "",
}
# Ukrainian passports use the national system: и -> y, г -> h, і -> i.
_ICAO_UA = {**_ICAO, "и": "y", "г": "h", "й": "i", "є": "ie", "ї": "i"}
# Informal English spelling: й -> y, ю -> yu, я -> ya ("Sergey", "Dmitriy").
_POPULAR = {**_ICAO, "й": "y", "ю": "yu", "я": "ya", "х": "kh", "є": "ye", "ї": "yi"}
# Lithuanian orthography for foreign names: ž, š, č, ch, c, j.
_LITHUANIAN = {
    **_ICAO,
    "ж": "ž",
    "ш": "š",
    "ч": "č",
    "щ": "šč",
    "х": "ch",
    "ц": "c",
    "й": "j",
    "ю": "ju",
    "я": "ja",
    "є": "je",
    "ї": "ji",
    "ъ": "",
    "ё": "jo",
}


@dataclass(frozen=True, slots=True)
class PersonName:
    """A person's name in its native script plus gender (needed for Lithuanian endings)."""

    given: str
    family: str
    gender: str  # "M" or "F"
    country: str


def _translit(text: str, table: dict[str, str]) -> str:
    out = []
    for ch in text:
        low = ch.lower()
        rep = table.get(low, ch)
        out.append(rep.capitalize() if ch != low and rep else rep)
    return "".join(out)


def icao(text: str, country: str = "RU") -> str:
    """Passport transliteration (ICAO 9303; Ukrainian national rules for UA): Сергей -> Sergei."""
    return _translit(text, _ICAO_UA if country == "UA" else _ICAO)


def popular(text: str) -> str:
    """Informal English transliteration: Сергей -> Sergey."""
    return _translit(text, _POPULAR)


def lithuanize(word: str, gender: str) -> str:
    """Lithuanian rendering of a foreign name, adding the grammatical ending.

    Male names get -as/-us/-is (Ivanov -> Ivanovas, Sergej -> Sergejus,
    Kovalevič -> Kovalevičius); names ending in a vowel are kept (Kravčenko, Olga).
    """
    latin = _translit(word, _LITHUANIAN) if _has_cyrillic(word) else word
    if gender == "F" or not latin or latin[-1].lower() in "aeiouyė":
        return latin
    if latin.endswith("skij"):
        return latin[:-1] + "s"
    if latin.endswith(("ij", "ej", "aj", "oj")) or latin.endswith("č"):
        return latin + ("ius" if latin.endswith("č") else "us")
    return latin + "as"


def female_surname(male: str, country: str, married: bool) -> str:
    """Derive the female form of a surname following each language's rules."""
    if country == "LT":
        for suffix, wife, daughter in (
            ("ius", "ienė", "iūtė"),
            ("as", "ienė", "aitė"),
            ("is", "ienė", "ytė"),
            ("us", "ienė", "utė"),
            ("ys", "ienė", "ytė"),
            ("a", "ienė", "aitė"),
        ):
            if male.endswith(suffix):
                return male[: -len(suffix)] + (wife if married else daughter)
        return male
    if country == "LV":
        return male[:-1] + "a" if male.endswith(("š", "s")) else male
    if country == "PL":
        return male[:-1] + "a" if male.endswith("i") else male
    if male.endswith(("ов", "ев", "ин")):
        return male + "а"
    if male.endswith("ский"):
        return male[:-2] + "ая"
    return male


def random_name(rng: random.Random, country: str) -> PersonName:
    """Draw a realistic name for a national of ``country``."""
    males, females, surnames = _POOLS[country]
    gender = "M" if rng.random() < 0.72 else "F"  # border traffic is mostly male drivers
    family = rng.choice(surnames)
    if gender == "F":
        family = female_surname(family, country, married=rng.random() < 0.6)
        return PersonName(rng.choice(females), family, gender, country)
    return PersonName(rng.choice(males), family, gender, country)


def _has_cyrillic(text: str) -> bool:
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def strip_diacritics(text: str) -> str:
    """Žukauskas -> Zukauskas, as produced by systems without Unicode support."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def canonical(name: PersonName) -> str:
    """The name as written in the person's own passport Latin field (or natively for LT)."""
    if name.country in CYRILLIC_COUNTRIES:
        return f"{icao(name.given, name.country)} {icao(name.family, name.country)}"
    return f"{name.given} {name.family}"


def typo(text: str, rng: random.Random) -> str:
    """One keyboard-style error: drop, double or swap a letter (never the first one)."""
    if len(text) < 5:
        return text
    i = rng.randrange(1, len(text) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i] + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


VARIANT_KINDS = (
    "canonical",
    "no_diacritics",
    "swapped",
    "upper",
    "typo",
    "cyrillic",
    "popular",
    "lithuanized",
)


def variant(name: PersonName, kind: str, rng: random.Random) -> str:
    """Render ``name`` the way a particular kind of source would write it."""
    native_latin = canonical(name)
    if kind == "canonical":
        return native_latin
    if kind == "no_diacritics":
        return strip_diacritics(native_latin)
    if kind == "swapped":
        given, family = native_latin.split(" ", 1)
        return f"{family} {given}"
    if kind == "upper":
        given, family = native_latin.split(" ", 1)
        return f"{strip_diacritics(family).upper()} {strip_diacritics(given).upper()}"
    if kind == "typo":
        given, family = native_latin.split(" ", 1)
        return f"{given} {typo(family, rng)}"
    return _script_variant(name, kind)


def _script_variant(name: PersonName, kind: str) -> str:
    """Cyrillic-origin renderings; for Latin-script names fall back to the canonical form."""
    if name.country not in CYRILLIC_COUNTRIES:
        if kind == "lithuanized" and name.country != "LT":
            return f"{name.given} {lithuanize(name.family, name.gender)}"
        return canonical(name)
    if kind == "cyrillic":
        return f"{name.given} {name.family}"
    if kind == "popular":
        return f"{popular(name.given)} {popular(name.family)}"
    return f"{lithuanize(name.given, name.gender)} {lithuanize(name.family, name.gender)}"


def plausible_variants(name: PersonName) -> tuple[str, ...]:
    """Variant kinds that actually change the string for this name (for planting variants)."""
    kinds = ["swapped", "upper", "typo"]
    if strip_diacritics(canonical(name)) != canonical(name):
        kinds.append("no_diacritics")
    if name.country in CYRILLIC_COUNTRIES:
        kinds += ["cyrillic", "popular", "lithuanized"]
    elif name.country != "LT":
        kinds.append("lithuanized")
    return tuple(kinds)
