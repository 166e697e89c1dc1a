"""Checksummed and formatted identifiers: company codes, VAT numbers, IBANs, phones, documents.

Why: downstream extractors validate these (an IBAN with a wrong check digit is not an IBAN),
so planted identifiers must be valid, and their *written* forms must vary the way they do
in real reports (E.164 vs. local phone formats, grouped vs. compact IBANs).
"""

from __future__ import annotations

import random

from stdnum.lt import pvm

# Real Lithuanian bank codes (5 digits after the check digits): Swedbank, SEB, Luminor, Šiaulių.
_LT_BANK_CODES = ("73000", "70440", "40100", "71800", "21400")

_STREETS = (
    "Gedimino pr.",
    "Savanorių pr.",
    "Ukmergės g.",
    "Kalvarijų g.",
    "Žalgirio g.",
    "Laisvės al.",
    "Taikos pr.",
    "Pramonės g.",
    "Vytauto g.",
    "Basanavičiaus g.",
    "Liepų g.",
    "Draugystės g.",
    "Pievų g.",
    "Sodų g.",
    "Geležinkelio g.",
)
_TOWNS = (
    ("Vilnius", "LT-0"),
    ("Kaunas", "LT-4"),
    ("Klaipėda", "LT-9"),
    ("Šiauliai", "LT-7"),
    ("Panevėžys", "LT-3"),
    ("Marijampolė", "LT-6"),
    ("Alytus", "LT-6"),
    ("Šalčininkai", "LT-1"),
    ("Visaginas", "LT-3"),
    ("Druskininkai", "LT-6"),
)
_FOREIGN_ADDRESSES = {
    "BY": (
        "ул. Советская 12, Гродно, Беларусь",
        "ул. Ленина 5-14, Лида, Беларусь",
        "пр. Независимости 88, Минск, Беларусь",
        "ул. Кирова 3, Ошмяны, Беларусь",
    ),
    "RU": (
        "ул. Гагарина 21, Калининград, Россия",
        "ул. Победы 7, Советск, Россия",
        "Ленинский пр. 45, Калининград, Россия",
    ),
    "UA": ("вул. Шевченка 10, Київ, Україна", "вул. Франка 4, Львів, Україна"),
    "PL": ("ul. Lipowa 14, 15-424 Białystok, Polska", "ul. Kościuszki 3, 16-400 Suwałki, Polska"),
    "LV": ("Brīvības iela 101, Rīga, Latvija", "Rīgas iela 8, Daugavpils, Latvija"),
}


def company_code(rng: random.Random) -> str:
    """A 9-digit Lithuanian legal-entity code with a valid mod-11 check digit.

    Lithuanian company codes (like personal codes) use the weights 1..9,1 with the 3..9,1,2
    fallback; ``stdnum.lt.pvm.calc_check_digit`` implements exactly that scheme. Newer
    companies start with 30x, older ones with 1.
    """
    prefix = rng.choice(("302", "303", "304", "305", "110", "120", "135"))
    body = prefix + "".join(rng.choice("0123456789") for _ in range(8 - len(prefix)))
    return body + pvm.calc_check_digit(body)


def vat_number(rng: random.Random) -> str:
    """A 12-digit LT VAT number ("LT1000...1C"), valid per ``stdnum.lt.pvm``."""
    body = "1000" + "".join(rng.choice("0123456789") for _ in range(6)) + "1"
    return "LT" + body + pvm.calc_check_digit(body)


def _iban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def lt_iban(rng: random.Random) -> str:
    """A valid Lithuanian IBAN (LTkk BBBB BCCC CCCC CCCC), compact form."""
    bban = rng.choice(_LT_BANK_CODES) + "".join(rng.choice("0123456789") for _ in range(11))
    return "LT" + _iban_check("LT", bban) + bban


def group_iban(iban: str) -> str:
    """Print form with spaces every four characters, as on invoices."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def phone(rng: random.Random, country: str) -> str:
    """A mobile number in E.164 for the person's country."""
    digits = "".join(rng.choice("0123456789") for _ in range(7))
    prefixes = {
        "LT": "+3706",
        "LV": "+3712",
        "PL": "+485",
        "BY": "+37529",
        "RU": "+7911",
        "UA": "+38067",
        "DE": "+49151",
    }
    return prefixes.get(country, "+3706") + digits


def local_phone(e164: str) -> str:
    """The same number as written locally: '+37061234567' -> '8 612 34567'."""
    if e164.startswith("+3706"):
        rest = e164[4:]
        return f"8 {rest[:3]} {rest[3:]}"
    if e164.startswith("+375"):
        rest = e164[4:]
        return f"8 0{rest[:2]} {rest[2:5]}-{rest[5:7]}-{rest[7:]}"
    if e164.startswith("+7"):
        rest = e164[2:]
        return f"8 ({rest[:3]}) {rest[3:6]}-{rest[6:8]}-{rest[8:]}"
    return e164[:4] + " " + e164[4:]


def document_number(rng: random.Random, country: str) -> str:
    """Passport / ID-card number in the issuing country's format."""
    d = "".join(rng.choice("0123456789") for _ in range(9))
    formats = {
        "LT": d[:8],
        "LV": "LV" + d[:7],
        "PL": "EA" + d[:7],
        "BY": "MP" + d[:7],
        "RU": "75" + d[:7],
        "UA": "FA" + d[:6],
        "DE": "C" + d[:8],
    }
    return formats.get(country, d[:8])


def lt_address(rng: random.Random) -> str:
    """A Lithuanian postal address with a plausible 5-digit postcode."""
    town, pc = rng.choice(_TOWNS)
    flat = f"-{rng.randint(1, 80)}" if rng.random() < 0.5 else ""
    post = pc + "".join(rng.choice("0123456789") for _ in range(4))
    return f"{rng.choice(_STREETS)} {rng.randint(1, 140)}{flat}, {post} {town}"


def address_for(rng: random.Random, country: str) -> str:
    """Home address: Lithuanian streets for LT residents, native-script addresses abroad."""
    if country in _FOREIGN_ADDRESSES and rng.random() < 0.8:
        return rng.choice(_FOREIGN_ADDRESSES[country])
    return lt_address(rng)
