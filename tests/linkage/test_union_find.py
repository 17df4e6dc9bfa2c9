"""Disjoint sets, as every kind's clustering and incremental assignment use them."""

from __future__ import annotations

from polestar.linkage.union_find import UnionFind


def test_roots_name_every_item_of_every_union_and_join_transitively() -> None:
    sets: UnionFind[int] = UnionFind()
    sets.union(1, 2)
    sets.union(3, 4)
    sets.union(2, 4)
    sets.union(5, 6)

    roots = sets.roots()

    assert set(roots) == {1, 2, 3, 4, 5, 6}
    assert len({roots[i] for i in (1, 2, 3, 4)}) == 1
    assert roots[5] == roots[6] != roots[1]


def test_an_item_never_joined_is_its_own_root() -> None:
    sets: UnionFind[str] = UnionFind()
    sets.union("a", "b")

    assert sets.find("z") == "z"
    assert "z" not in sets.roots()
