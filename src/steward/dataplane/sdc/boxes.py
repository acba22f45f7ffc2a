"""Local boxes of a hierarchical table, where attacker LPs stay small enough for large tables."""

from __future__ import annotations

import numpy as np

from .table import Table

SIBLINGS = 3  # siblings (with their subtrees) taken into a cell's small box, per dimension


class BoxMaker:
    """Boxes are products of code sets, one per dimension, around a cell."""

    def __init__(self, table: Table, suppressed: np.ndarray) -> None:
        self.table = table
        self.shape = table.shape
        self.strides = np.array([int(np.prod(self.shape[i + 1 :])) for i in range(len(self.shape))])
        self.suppressed = suppressed
        self.subtrees = [_subtrees(d) for d in table.dimensions]

    def _coords(self, cell: int) -> tuple[int, ...]:
        return tuple(int(c) for c in np.unravel_index(cell, self.shape))

    def _cells(self, code_sets: list[np.ndarray]) -> np.ndarray:
        grids = np.ix_(*code_sets)
        flat = sum(g * s for g, s in zip(grids, self.strides, strict=True))
        return np.sort(np.asarray(flat).reshape(-1))

    def group_key(self, cell: int) -> tuple[int, ...]:
        """Cells sharing a parent in every dimension share a box (the subtable they sit in)."""
        key = []
        for dim, code in zip(self.table.dimensions, self._coords(cell), strict=True):
            parent = dim.parents[code]
            key.append(parent if parent >= 0 else code)
        return tuple(key)

    def group_box(self, key: tuple[int, ...]) -> np.ndarray:
        return self._cells([self.subtrees[d][code] for d, code in enumerate(key)])

    def small_box(self, cell: int) -> np.ndarray:
        """The cell's subtree and parent, and a few siblings preferring those already hidden."""
        coords = self._coords(cell)
        sets = []
        for d, (dim, code) in enumerate(zip(self.table.dimensions, coords, strict=True)):
            parent = dim.parents[code]
            if parent < 0:
                picks = self._pick(cell, d, code, list(dim.children[code]))
                parts = [np.array([code])] + [self.subtrees[d][c] for c in picks]
            else:
                siblings = [s for s in dim.children[parent] if s != code]
                picks = self._pick(cell, d, code, siblings)
                parts = [np.array([parent]), self.subtrees[d][code]]
                parts += [self.subtrees[d][s] for s in picks]
            sets.append(np.unique(np.concatenate(parts)))
        return self._cells(sets)

    def _pick(self, cell: int, d: int, code: int, options: list[int]) -> list[int]:
        if not options:
            return []
        options_arr = np.array(options)
        in_line = cell + (options_arr - code) * self.strides[d]
        hidden = self.suppressed[in_line]
        values = self.table.flat_values[in_line]
        order = np.lexsort((-values, ~hidden))
        return options_arr[order[:SIBLINGS]].tolist()


def _subtrees(dim) -> list[np.ndarray]:
    trees: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(dim.codes)
    for code in reversed(range(len(dim.codes))):
        parts = [np.array([code])] + [trees[k] for k in dim.children[code]]
        trees[code] = np.concatenate(parts).astype(np.int64)
    return trees
