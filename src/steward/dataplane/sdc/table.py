"""Hierarchical tables with all their margins, and the linear relations that bind them."""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy import sparse

TOTAL = "Total"


class TableError(ValueError):
    """Input that cannot make a table; the message names the dimension or column at fault."""


@dataclass(frozen=True)
class Dimension:
    """One classification variable: its codes (the root total first) and each code's parent."""

    name: str
    codes: tuple[str, ...]
    parents: tuple[int, ...]  # index of each code's parent; -1 for the root

    @classmethod
    def from_parent_map(cls, name: str, parent_of: Mapping[str, str]) -> Dimension:
        """Build a dimension from {child: parent}; exactly one code may lack a parent."""
        parent_of = {str(c): str(p) for c, p in parent_of.items()}
        roots = {p for p in parent_of.values() if p not in parent_of}
        if len(roots) != 1:
            raise TableError(
                f"dimension {name!r}: hierarchy needs exactly one root, found {len(roots)}"
            )
        children: dict[str, list[str]] = {}
        for child, parent in parent_of.items():
            children.setdefault(parent, []).append(child)
        order: list[str] = []
        stack = [roots.pop()]
        while stack:
            code = stack.pop()
            if code in order:
                raise TableError(f"dimension {name!r}: hierarchy has a cycle")
            order.append(code)
            stack.extend(reversed(children.get(code, [])))
        if len(order) != len(parent_of) + 1:
            raise TableError(f"dimension {name!r}: hierarchy has a cycle")
        index = {code: i for i, code in enumerate(order)}
        parents = tuple(index[parent_of[c]] if c in parent_of else -1 for c in order)
        return cls(name, tuple(order), parents)

    @classmethod
    def flat(cls, name: str, codes: Sequence[str], total: str = TOTAL) -> Dimension:
        """A one-level dimension: a total over the given codes."""
        codes = [str(c) for c in codes]
        if total in codes:
            raise TableError(f"dimension {name!r}: code {total!r} is reserved for the total")
        return cls.from_parent_map(name, {c: total for c in codes})

    @cached_property
    def index(self) -> dict[str, int]:
        return {code: i for i, code in enumerate(self.codes)}

    @cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        kids: list[list[int]] = [[] for _ in self.codes]
        for i, parent in enumerate(self.parents):
            if parent >= 0:
                kids[parent].append(i)
        return tuple(tuple(k) for k in kids)

    @cached_property
    def is_leaf(self) -> np.ndarray:
        return np.array([not kids for kids in self.children], dtype=bool)

    def leaves_under(self, code_index: int) -> list[int]:
        """Indices of the leaf codes that sum to the given code."""
        if not self.children[code_index]:
            return [code_index]
        return [leaf for kid in self.children[code_index] for leaf in self.leaves_under(kid)]


@dataclass(frozen=True, eq=False)
class Table:
    """A full table over the product of every dimension's codes, margins included.

    ``values`` holds counts (frequency tables) or totals (magnitude tables); for magnitude tables
    ``freq`` counts contributors and ``top`` holds each cell's largest contributions, descending.
    """

    dimensions: tuple[Dimension, ...]
    values: np.ndarray
    freq: np.ndarray | None = None
    top: np.ndarray | None = None

    @property
    def kind(self) -> str:
        return "magnitude" if self.top is not None else "frequency"

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(d.codes) for d in self.dimensions)

    @property
    def n_cells(self) -> int:
        return int(np.prod(self.shape))

    @property
    def flat_values(self) -> np.ndarray:
        return self.values.reshape(-1)

    @property
    def contributors(self) -> np.ndarray:
        """Number of units behind each cell (the count itself for frequency tables)."""
        source = self.freq if self.freq is not None else self.values
        return source.reshape(-1)

    def cell_codes(self, flat_index: int) -> tuple[str, ...]:
        coords = np.unravel_index(flat_index, self.shape)
        return tuple(d.codes[c] for d, c in zip(self.dimensions, coords, strict=True))

    def flat_index(self, codes: Sequence[str]) -> int:
        coords = [d.index[str(c)] for d, c in zip(self.dimensions, codes, strict=True)]
        return int(np.ravel_multi_index(coords, self.shape))

    def value(self, *codes: str) -> float:
        return float(self.flat_values[self.flat_index(codes)])

    @cached_property
    def relations(self) -> sparse.csr_matrix:
        """Each row says one total minus the sum of its children is zero (along one dimension)."""
        return _relations(self.dimensions)

    @cached_property
    def fingerprint(self) -> str:
        """A SHA-256 over the structure and every value, to tie a certificate to its table."""
        digest = hashlib.sha256()
        for dim in self.dimensions:
            digest.update(repr((dim.name, dim.codes, dim.parents)).encode())
        for array in (self.values, self.freq, self.top):
            if array is not None:
                digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        return digest.hexdigest()


def _relations(dimensions: Sequence[Dimension]) -> sparse.csr_matrix:
    shape = tuple(len(d.codes) for d in dimensions)
    strides = np.array([int(np.prod(shape[i + 1 :])) for i in range(len(shape))], dtype=np.int64)
    rows, cols, vals = [], [], []
    n_rows = 0
    for axis, dim in enumerate(dimensions):
        rest_shape = list(shape)
        rest_shape[axis] = 1
        # Flat indices of every cell whose code on this axis is 0: one per line along the axis.
        base = np.ravel_multi_index(np.indices(rest_shape).reshape(len(shape), -1), shape)
        for parent, kids in enumerate(dim.children):
            if not kids:
                continue
            line_rows = n_rows + np.arange(base.size)
            rows.append(line_rows)
            cols.append(base + parent * strides[axis])
            vals.append(np.ones(base.size))
            for kid in kids:
                rows.append(line_rows)
                cols.append(base + kid * strides[axis])
                vals.append(-np.ones(base.size))
            n_rows += base.size
    n_cells = int(np.prod(shape))
    if not rows:
        return sparse.csr_matrix((0, n_cells))
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_rows, n_cells),
    )


def _dimension_for(name: str, codes: np.ndarray, hierarchy: Mapping[str, str] | None) -> Dimension:
    if hierarchy is None:
        return Dimension.flat(name, sorted({str(c) for c in codes}))
    dim = Dimension.from_parent_map(name, hierarchy)
    for code in {str(c) for c in codes}:
        if code not in dim.index:
            raise TableError(f"dimension {name!r}: code {code!r} is not in its hierarchy")
        if not dim.is_leaf[dim.index[code]]:
            raise TableError(f"dimension {name!r}: code {code!r} is a total, not a leaf")
    return dim


def _aggregate_up(leaf_array: np.ndarray, dimensions: Sequence[Dimension], combine) -> np.ndarray:
    """Fill every margin from the leaves, one axis at a time, deepest codes first."""
    full = leaf_array.copy()
    for axis, dim in enumerate(dimensions):
        depth = _depths(dim)
        for code in sorted(range(len(dim.codes)), key=lambda c: -depth[c]):
            kids = dim.children[code]
            if kids:
                moved = np.moveaxis(full, axis, 0)
                moved[code] = combine([moved[k] for k in kids])
    return full


def _depths(dim: Dimension) -> list[int]:
    depth = [0] * len(dim.codes)
    for i, parent in enumerate(dim.parents):
        depth[i] = 0 if parent < 0 else depth[parent] + 1
    return depth


def build_table(
    columns: Mapping[str, Sequence | np.ndarray],
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
    magnitude: Sequence[float] | np.ndarray | None = None,
    top_n: int = 2,
) -> Table:
    """Build the full table from unit-level arrays (one entry per unit, leaf codes only).

    Without ``magnitude`` each unit adds its weight (default 1) to a count; with it, cells hold
    the total magnitude, the number of contributors and the ``top_n`` largest contributions.
    """
    hierarchies = hierarchies or {}
    names = list(columns)
    arrays = [np.asarray(columns[n]).astype(str) for n in names]
    lengths = {a.size for a in arrays}
    if len(lengths) > 1:
        raise TableError("every column must have the same number of units")
    dims = tuple(
        _dimension_for(n, a, hierarchies.get(n)) for n, a in zip(names, arrays, strict=True)
    )
    shape = tuple(len(d.codes) for d in dims)
    coords = [
        np.array([d.index[c] for c in a], dtype=np.int64) for d, a in zip(dims, arrays, strict=True)
    ]
    flat = np.ravel_multi_index(coords, shape) if coords and arrays[0].size else np.zeros(0, int)
    n_cells = int(np.prod(shape))
    if magnitude is None:
        w = np.ones(flat.size) if weights is None else np.asarray(weights, dtype=float)
        leaf = np.bincount(flat, weights=w, minlength=n_cells).reshape(shape)
        return Table(dims, _aggregate_up(leaf, dims, _sum))
    mag = np.asarray(magnitude, dtype=float)
    if np.any(mag < 0):
        raise TableError("magnitude values must not be negative")
    leaf_values = np.bincount(flat, weights=mag, minlength=n_cells).reshape(shape)
    leaf_freq = np.bincount(flat, minlength=n_cells).astype(float).reshape(shape)
    leaf_top = _leaf_top(flat, mag, n_cells, max(top_n, 2)).reshape(*shape, -1)
    return Table(
        dims,
        _aggregate_up(leaf_values, dims, _sum),
        _aggregate_up(leaf_freq, dims, _sum),
        _aggregate_up(leaf_top, dims, _merge_top),
    )


def _sum(parts: list[np.ndarray]) -> np.ndarray:
    return np.sum(parts, axis=0)


def _merge_top(parts: list[np.ndarray]) -> np.ndarray:
    stacked = np.concatenate(parts, axis=-1)
    m = parts[0].shape[-1]
    return -np.sort(-stacked, axis=-1)[..., :m]


def _leaf_top(flat: np.ndarray, mag: np.ndarray, n_cells: int, m: int) -> np.ndarray:
    top = np.zeros((n_cells, m))
    order = np.lexsort((-mag, flat))
    cells, mags = flat[order], mag[order]
    starts = np.searchsorted(cells, cells, side="left")
    rank = np.arange(cells.size) - starts
    keep = rank < m
    top[cells[keep], rank[keep]] = mags[keep]
    return top


def table_from_leaf_cells(
    cells: Mapping[tuple[str, ...], float],
    dim_names: Sequence[str],
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
) -> Table:
    """Build a frequency table from leaf counts keyed by a tuple of codes, one per dimension."""
    keys = list(cells)
    columns = {name: np.array([k[i] for k in keys], dtype=str) for i, name in enumerate(dim_names)}
    counts = np.array([cells[k] for k in keys], dtype=float)
    if np.any(counts < 0):
        raise TableError("counts must not be negative")
    return build_table(columns, hierarchies, weights=counts)


def read_leaf_csv(
    path: str | Path,
    dims: Sequence[str],
    count: str,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
) -> Table:
    """Read a CSV of leaf cells (one row per combination of dimension codes) into a full table."""
    cells: dict[tuple[str, ...], float] = {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in [*dims, count] if c not in (reader.fieldnames or [])]
        if missing:
            raise TableError(f"{path}: missing column(s) {', '.join(missing)}")
        for line_no, row in enumerate(reader, start=2):
            key = tuple(row[d].strip() for d in dims)
            try:
                value = float(row[count])
            except ValueError:
                raise TableError(
                    f"{path}, line {line_no}: column {count!r} is not a number"
                ) from None
            if value < 0 or value != int(value):
                raise TableError(f"{path}, line {line_no}: column {count!r} must be a whole count")
            cells[key] = cells.get(key, 0.0) + value
    return table_from_leaf_cells(cells, dims, hierarchies)


def all_code_tuples(table: Table) -> itertools.product:
    """Every cell's codes, in flat-index order."""
    return itertools.product(*(d.codes for d in table.dimensions))
