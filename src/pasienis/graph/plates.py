"""Misread-tolerant plate keys for co-travel: look-alike characters and one missing character.

Cameras confuse O/0/D, B/8, I/1, S/5, Z/2, G/6 and drop characters. Plates are first
normalised with :func:`pasienis.model.plates.normalise_plate` (the one matching key every
capability uses); then a *look-alike key* folds confusable characters, and a rarely seen key
that equals a frequent key with one character deleted is attached to that frequent plate.
"""

from __future__ import annotations

import numpy as np

from pasienis.model.plates import normalise_plate

_LOOKALIKE = str.maketrans("ODQBISZG", "00081526")


def lookalike_key(plate: str) -> str:
    """The plate with every confusable character replaced by one representative."""
    return normalise_plate(plate).translate(_LOOKALIKE)


def factorize(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes and distinct values in first-seen order, by hashing: np.unique sorts the
    strings, several times slower on millions of reads."""
    seen: dict[str, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in values.tolist()), np.int64,
                        count=len(values))  # fmt: skip
    return codes, list(seen)


def cluster_plates(
    plates: np.ndarray, *, frequent: int = 3, ratio: int = 4
) -> tuple[np.ndarray, list[str]]:
    """A vehicle code per read and the representative plate of each code.

    Plates with the same look-alike key are one vehicle (the most read spelling represents
    it). A key that equals a frequent key (read >= ``frequent`` times) with one character
    missing joins that key when exactly one frequent key fits and the full key is read at
    least ``ratio`` times as often (a misread is rarer than the plate it misreads).
    """
    inverse, uniq = factorize(plates)
    counts = np.bincount(inverse, minlength=len(uniq))
    keys = [lookalike_key(str(p)) for p in uniq]
    key_count: dict[str, int] = {}
    best: dict[str, tuple[int, str]] = {}
    for plate, key, n in zip(uniq, keys, counts.tolist(), strict=True):
        key_count[key] = key_count.get(key, 0) + n
        if n > best.get(key, (0, ""))[0]:
            best[key] = (n, str(plate))
    deletions: dict[str, str | None] = {}
    for key, n in key_count.items():
        if n >= frequent:
            for i in range(len(key)):
                d = key[:i] + key[i + 1 :]
                deletions[d] = key if deletions.get(d, key) == key else None
    target: dict[str, str] = {}
    for key, n in key_count.items():
        full = deletions.get(key)
        target[key] = full if full and n * ratio <= key_count[full] else key
    reps = sorted(set(target.values()))
    code_of = {k: i for i, k in enumerate(reps)}
    per_unique = np.array([code_of[target[k]] for k in keys], np.int64)
    return per_unique[inverse], [best[k][1] for k in reps]
