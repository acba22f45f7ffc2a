"""The ledger of releases: audit a new table together with every overlapping table already out.

Two tables can each be safe while their difference is a small cell (a district with and
without one school). Every released cell is a sum over the finest pieces ("atoms") that the
releases' classifications distinguish; an attacker LP over the atoms, given every published
cell of every overlapping release, shows which atoms can be pinned below the threshold.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from .attacker import AttackerSystem, _components, witness_bounds
from .audit import audit
from .primary import sensitivity
from .protect import Protection
from .rules import DisclosureRules
from .table import Dimension, Table, all_code_tuples


@dataclass(frozen=True)
class Release:
    """One table that left the platform: its population, classifications and published cells.

    ``cells`` maps a tuple of codes (one per dimension, in order) to the value shown, or None
    when the cell was suppressed.
    """

    release_id: str
    population: str
    dimensions: tuple[Dimension, ...]
    cells: Mapping[tuple[str, ...], float | None] = field(repr=False)

    @property
    def dim_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.dimensions)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable form, for the Django side to persist."""
        return {
            "release_id": self.release_id,
            "population": self.population,
            "dimensions": [
                {"name": d.name, "codes": list(d.codes), "parents": list(d.parents)}
                for d in self.dimensions
            ],
            "cells": [[list(k), v] for k, v in self.cells.items()],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Release:
        dims = tuple(
            Dimension(d["name"], tuple(d["codes"]), tuple(d["parents"])) for d in data["dimensions"]
        )
        cells = {tuple(k): (None if v is None else float(v)) for k, v in data["cells"]}
        return cls(data["release_id"], data["population"], dims, cells)


def release_from_protection(protection: Protection, release_id: str, population: str) -> Release:
    """Record a protected table as released (exact published values, suppressed as None)."""
    values = protection.table.flat_values
    cells = {
        codes: (None if protection.suppressed[i] else float(values[i]))
        for i, codes in enumerate(all_code_tuples(protection.table))
    }
    return Release(release_id, population, protection.table.dimensions, cells)


@dataclass(frozen=True)
class Exposure:
    """A piece of the population pinned below the threshold, and the releases that pin it."""

    atom: tuple[tuple[str, ...], ...]  # per dimension, the finest codes making up the piece
    upper: float  # the most the attacker cannot rule out
    releases: tuple[str, ...]


@dataclass(frozen=True)
class LedgerAudit:
    """The overlapping releases considered and every exposure found."""

    overlapping: tuple[str, ...]
    exposures: tuple[Exposure, ...]
    complete: bool = True  # False: the time allowed ran out, and nothing is shown safe

    @property
    def passed(self) -> bool:
        return self.complete and not self.exposures


class _OutOfTime(Exception):
    pass


def overlaps(a: Release, b: Release) -> bool:
    """Releases overlap when they describe the same population by the same dimensions."""
    return a.population == b.population and set(a.dim_names) == set(b.dim_names)


def audit_with_ledger(
    new: Release,
    released: Sequence[Release],
    rules: DisclosureRules,
    seconds: float | None = None,
    table: Table | None = None,
) -> LedgerAudit:
    """Audit ``new`` with the released tables that overlap it; name what each pair exposes.

    With none overlapping there is nothing to difference, and nothing is solved: the new table on
    its own is its protection audit's to prove (the platform releases only a table that passed
    it). Otherwise an exposure is blamed on the new table alone, or on the releases that expose
    it together with the new table.

    The attacker's LP grows fast with the tables (two releases of 4,620 cells take about 5 s, of
    10,780 about 90 s): past ``seconds`` the audit stops and is incomplete, which never passes.
    Given the new ``table`` with every value (what ``new`` shows and hides), releases of the
    same classification that agree with it are audited as that one table first
    (`_audit_as_one`), with the audit's spread moves instead of the LP.
    """
    others = [r for r in released if overlaps(new, r) and r.release_id != new.release_id]
    overlapping = tuple(r.release_id for r in others)
    if not others:
        return LedgerAudit((), ())
    deadline = None if seconds is None else time.monotonic() + seconds
    if table is not None:
        as_one = _audit_as_one(table, new, others, rules, deadline)
        if as_one is not None:
            return as_one
    try:
        together = _exposed(new, others, rules, deadline)
        alone = _exposed(new, [], rules, deadline) if together else {}
        exposures = []
        for atom, upper in together.items():
            if atom in alone:
                exposures.append(Exposure(atom, upper, ()))
                continue
            blamed = tuple(
                r.release_id for r in others if atom in _exposed(new, [r], rules, deadline)
            )
            exposures.append(Exposure(atom, upper, blamed or overlapping))
    except _OutOfTime:
        return LedgerAudit(overlapping, (), complete=False)
    return LedgerAudit(overlapping, tuple(exposures))


def _audit_as_one(
    table: Table, new: Release, others: list[Release], rules: DisclosureRules, deadline
) -> LedgerAudit | None:
    """Releases that classify the same way as ``table`` and show its values are one table to
    the attacker, with hidden only what every one of them hides: when the audit proves that
    table safe, so are the releases together (a cell the audit proves reaches the threshold
    cannot be pinned below it). None when this does not apply or does not prove it; the LP over
    the atoms decides then."""
    releases = [new, *others]
    if table.kind != "frequency" or any(r.dimensions != table.dimensions for r in releases):
        return None  # the ledger's threshold is a count's: magnitude tables go to the LP
    codes = list(all_code_tuples(table))
    if any(set(r.cells) != set(codes) for r in releases):
        return None  # a release's cells are not this table's cells, every one
    values = table.flat_values
    hidden = np.ones(table.n_cells, dtype=bool)
    for release in releases:
        shown = np.array([release.cells[c] for c in codes], dtype=object)
        published = np.flatnonzero(shown != None)  # noqa: E711 (elementwise over objects)
        if not np.allclose(shown[published].astype(float), values[published], rtol=0, atol=1e-9):
            return None  # another release shows other values: not the same table
        hidden[published] = False
    if (sensitivity(table, rules).sensitive & ~hidden).any():
        return None  # a small cell another release shows: the LP names it
    left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
    result = audit(table, hidden, rules, time_budget=left)
    overlapping = tuple(r.release_id for r in others)
    if not result.complete:
        return LedgerAudit(overlapping, (), complete=False)
    return LedgerAudit(overlapping, ()) if result.passed else None


def _exposed(
    new: Release, others: list[Release], rules: DisclosureRules, deadline: float | None = None
) -> dict:
    releases = [new, *others]
    names = new.dim_names
    # Per dimension, per release: each code as the set of finest codes it covers. A margin is
    # known by that set, not its name ("Total" of A, B, C is not the "Total" of A and B).
    leaves = [_leaf_sets(releases, name) for name in names]
    atoms = [_atoms([s for sets in per_release for s in sets.values()]) for per_release in leaves]
    shape = tuple(len(a) for a in atoms)
    rows, cols, rhs = [], [], []
    for r, release in enumerate(releases):
        order = [release.dim_names.index(n) for n in names]
        # The atoms each code covers, per dimension: computed once, not once per cell.
        covers = [
            {
                code: [k for k, atom in enumerate(atoms[d]) if atom <= finest]
                for code, finest in leaves[d][r].items()
            }
            for d in range(len(names))
        ]
        for codes, value in release.cells.items():
            if value is None:
                continue
            members = [covers[d][codes[order[d]]] for d in range(len(names))]
            flat = np.ravel_multi_index(np.ix_(*members), shape).reshape(-1)
            rows.append(np.full(flat.size, len(rhs)))
            cols.append(flat)
            rhs.append(value)
    n_atoms = int(np.prod(shape))
    if not rhs:
        return {}  # nothing published: nothing is bounded, nothing pinned
    matrix = sparse.csr_matrix(
        (np.ones(sum(c.size for c in cols)), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(rhs), n_atoms),
    )
    system = _system(matrix, np.array(rhs, dtype=float))
    need = np.full(n_atoms, float(rules.threshold))
    bounds = witness_bounds(system, np.arange(n_atoms), need, np.zeros(n_atoms), deadline=deadline)
    if not bounds.complete:
        raise _OutOfTime
    exposed = {}
    for k in np.flatnonzero(bounds.hi < rules.threshold - 1e-6):
        if bounds.hi[k] <= 1e-6 and not rules.zeros_disclosive:
            continue
        coords = np.unravel_index(k, shape)
        atom = tuple(tuple(sorted(atoms[d][c])) for d, c in enumerate(coords))
        exposed[atom] = float(round(bounds.hi[k], 6))
    return exposed


def _system(matrix: sparse.csr_matrix, rhs: np.ndarray) -> AttackerSystem:
    """An attacker system whose variables are all atoms (nothing about them is known a priori)."""
    n = matrix.shape[1]
    # Starting from zero, not the truth (unknown here): the witness search only raises it.
    system = AttackerSystem(
        relations=matrix,
        values=np.zeros(n),
        suppressed=np.arange(n),
        rows=np.arange(matrix.shape[0]),
        matrix=matrix,
        rhs=rhs,
        bound=float(max(rhs.max(initial=0.0) * 2, 1.0)),
    )

    system.labels = _components(matrix)
    return system


def _leaf_sets(releases: list[Release], name: str) -> list[dict[str, frozenset[str]]]:
    """For each release, each of its codes as the set of finest codes it adds up.

    A code's children are those of its own release; a code that is a leaf there but split in
    another release (a school broken into its campuses) is expanded as that release splits it.
    """
    dims = [r.dimensions[r.dim_names.index(name)] for r in releases]
    split: dict[str, list[str]] = {}
    for dim in dims:
        for code, kids in zip(dim.codes, dim.children, strict=True):
            if kids and code not in split:
                split[code] = [dim.codes[k] for k in kids]
    finest: dict[str, frozenset[str]] = {}

    def expand(code: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if code not in finest:
            kids = [k for k in split.get(code, []) if k not in seen]
            finest[code] = (
                frozenset().union(*(expand(k, seen | {code}) for k in kids))
                if kids
                else frozenset([code])
            )
        return finest[code]

    return [
        {
            code: frozenset().union(*(expand(dim.codes[j]) for j in dim.leaves_under(i)))
            for i, code in enumerate(dim.codes)
        }
        for dim in dims
    ]


def _atoms(sets: list[frozenset[str]]) -> list[frozenset[str]]:
    """The coarsest pieces from which every code's set is a union."""
    finest = sorted(frozenset().union(*sets))
    signature: dict[tuple[bool, ...], set[str]] = {}
    for leaf in finest:
        signature.setdefault(tuple(leaf in s for s in sets), set()).add(leaf)
    return [frozenset(group) for group in signature.values()]
