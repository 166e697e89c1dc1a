"""Clusters from pair edges under not-same constraints (union-find, pure Python).

Why not Splink's connected components: a not-same judgement must split a cluster even
when a chain of automatic edges connects the two records, so edges are added strongest
first and an edge whose union would put a not-same pair together is refused. Analysts'
merges go first (they outrank the model), then automatic edges by falling probability.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable


class Clusters:
    """Union-find whose components carry the not-same partners of their members."""

    def __init__(self, cannot: Iterable[tuple[str, str]] = ()) -> None:
        self.parent: dict[str, str] = {}
        self.members: dict[str, set[str]] = {}
        self.partners: dict[str, set[str]] = defaultdict(set)
        for a, b in cannot:
            self.partners[a].add(b)
            self.partners[b].add(a)
        self._blocked: dict[str, set[str]] = {}
        self.refused = 0

    def find(self, x: str) -> str:
        parent = self.parent
        if x not in parent:
            parent[x] = x
            self.members[x] = {x}
            self._blocked[x] = set(self.partners.get(x, ()))
            return x
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, a: str, b: str) -> bool:
        """Join a's and b's clusters unless a not-same pair would end up together."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        if self._blocked[ra] & self.members[rb] or self._blocked[rb] & self.members[ra]:
            self.refused += 1
            return False
        self.parent[rb] = ra
        self.members[ra] |= self.members.pop(rb)
        self._blocked[ra] |= self._blocked.pop(rb)
        return True

    def groups(self) -> list[list[str]]:
        """Clusters of two or more, each sorted, in order of their smallest id."""
        out = [sorted(m) for r, m in self.members.items() if len(m) > 1 and self.parent[r] == r]
        return sorted(out)


def components(edges: Iterable[tuple[str, str]]) -> list[list[str]]:
    """Connected components of two or more, as :meth:`Clusters.groups` orders them.

    With no not-same pair, edge order cannot matter, so SciPy's compiled connected
    components replace the Python union-find (a million-record run has ~10^5-10^6 edges).
    """
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    pairs = list(edges)
    if not pairs:
        return []
    flat = np.array(pairs, dtype=object).ravel()
    ids, codes = np.unique(flat.astype(str), return_inverse=True)
    left, right = codes[0::2], codes[1::2]
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)),
                       shape=(len(ids), len(ids)))  # fmt: skip
    _, labels = connected_components(graph, directed=False)
    order = np.argsort(labels, kind="stable")
    groups: list[list[str]] = []
    for part in np.split(order, np.flatnonzero(np.diff(labels[order])) + 1):
        if len(part) > 1:
            groups.append(sorted(ids[part].tolist()))
    return sorted(groups)


def cluster(
    edges: Iterable[tuple[str, str]], cannot: Iterable[tuple[str, str]] = ()
) -> tuple[list[list[str]], int]:
    """Clusters of ``edges`` (already in priority order) and how many edges were refused."""
    cannot = list(cannot)
    if not cannot:
        return components(edges), 0
    found = Clusters(cannot)
    for a, b in edges:
        found.union(a, b)
    return found.groups(), found.refused


def canonical_map(groups: Iterable[list[str]]) -> dict[str, str]:
    """entity id -> canonical id (the smallest id of its cluster: deterministic)."""
    return {member: group[0] for group in groups for member in group}
