"""Connected components over hashable nodes (union-find with path halving): speaker/dialogue
groups for splits, duplicate groups for curation, and both together."""
from __future__ import annotations

from typing import Hashable, Iterable


class Components:
    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def find(self, x: Hashable) -> Hashable:
        """The root of ``x``'s component (``x`` itself when it was never joined)."""
        parent = self.parent
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def attach(self, x: Hashable, to: Hashable) -> None:
        """Join ``x``'s component to ``to``'s; the root of ``to`` names the joined component."""
        self.parent[self.find(x)] = self.find(to)

    def join(self, a: Hashable, b: Hashable) -> None:
        """Join two components; the smaller root names them (order-independent)."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    @classmethod
    def of_pairs(cls, pairs: Iterable[tuple[Hashable, Hashable]]) -> dict:
        """Node -> smallest node of its component, for every node in ``pairs``."""
        c = cls()
        for a, b in pairs:
            c.join(a, b)
        return {x: c.find(x) for x in list(c.parent)}
