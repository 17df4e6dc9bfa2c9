"""Disjoint sets: the connected components every kind's clustering and assignment need."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

Item = TypeVar("Item", bound=Hashable)


class UnionFind(Generic[Item]):
    """Union-find with path compression."""

    def __init__(self) -> None:
        self.parent: dict[Item, Item] = {}

    def find(self, item: Item) -> Item:
        root = item
        while self.parent.get(root, root) != root:
            root = self.parent[root]
        while item != root:  # path compression
            self.parent[item], item = root, self.parent.get(item, item)
        return root

    def union(self, a: Item, b: Item) -> None:
        root_a, root_b = self.find(a), self.find(b)
        self.parent.setdefault(root_b, root_b)  # so `roots` knows both sides
        self.parent[root_a] = root_b

    def roots(self) -> dict[Item, Item]:
        """Every item seen in a union → the root of its set."""
        return {item: self.find(item) for item in list(self.parent)}
