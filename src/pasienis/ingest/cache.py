"""Bounded per-run caches that keep what is in use: two generations of a dict.

An import caches, per distinct raw value, what it computed (entity ids, cleaned values, bodies
already written), which is what makes repeated people and vehicles cheap. The caches must not
grow with the file, and emptying one at a bound (the earlier policy) forgets the hot entries
with the cold ones. Here the current generation holds at most ``limit`` entries; when full it
becomes the old generation and the previous old one is dropped; an old entry that is used again
moves back. Memory stays under two generations; entries used within a generation survive.

``functools.lru_cache`` is for functions, and ``OrderedDict.move_to_end`` on every hit costs a
Python call per lookup; this keeps a hit a C-level ``dict`` subscript (``cache[key]`` and
``map(cache.__getitem__, keys)``), with Python code only on a miss.
"""

from __future__ import annotations

from typing import Any, Final


class _Missing:
    """Falsy, like an absent ``dict.get``, so ``cache[key] or default`` reads naturally."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"


#: What a lookup of an unknown key returns (``None`` and ``False`` are valid cached values).
MISSING: Final = _Missing()


class GenerationCache(dict[Any, Any]):
    """``cache[key]`` gives the value or :data:`MISSING`; :meth:`put` stores within the bound."""

    __slots__ = ("limit", "misses", "old")

    def __init__(self, limit: int) -> None:
        super().__init__()
        if limit < 1:
            raise ValueError("a cache needs room for at least one entry")
        self.limit = limit
        self.old: dict[Any, Any] = {}
        #: Lookups that found nothing: a caller mapping many keys compares it before and
        #: after instead of scanning the results for MISSING.
        self.misses = 0

    def __missing__(self, key: Any) -> Any:
        value = self.old.pop(key, MISSING)
        if value is MISSING:
            self.misses += 1
        else:
            self.put(key, value)
        return value

    def put(self, key: Any, value: Any) -> None:
        """Store ``value``; a full generation becomes the old one."""
        self[key] = value
        if len(self) >= self.limit:
            self.old = dict(self)
            self.clear()

    def forget(self, key: Any) -> None:
        """Drop ``key`` from both generations."""
        self.pop(key, None)
        self.old.pop(key, None)

    def size(self) -> int:
        """Entries held in both generations."""
        return len(self) + len(self.old)
