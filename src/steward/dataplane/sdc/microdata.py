"""Microdata: k-anonymity and l-diversity on quasi-identifiers, and enforcing them by
generalization (bands, one level up a hierarchy) and local suppression."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SUPPRESSED = "*"
Columns = Mapping[str, Any]


def _columns(data: Any, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Accept a pyarrow Table or a mapping of arrays; return string arrays for ``names``."""
    out = {}
    for name in names:
        column = (
            data.column(name).to_numpy(zero_copy_only=False)
            if hasattr(data, "column")
            else data[name]
        )
        out[name] = np.asarray(column).astype(str)
    return out


def class_sizes(data: Any, quasi_identifiers: Sequence[str]) -> np.ndarray:
    """For each record, how many records share its combination of quasi-identifiers."""
    cols = _columns(data, quasi_identifiers)
    _, inverse, counts = _classes(cols, quasi_identifiers)
    return counts[inverse]


def _classes(cols: dict[str, np.ndarray], qis: Sequence[str]):
    stacked = np.stack([cols[q] for q in qis], axis=1) if qis else np.zeros((0, 0), str)
    keys, inverse, counts = np.unique(stacked, axis=0, return_inverse=True, return_counts=True)
    return keys, inverse.reshape(-1), counts


def k_anonymity(data: Any, quasi_identifiers: Sequence[str]) -> int:
    """The size of the smallest group of records indistinguishable on the quasi-identifiers."""
    sizes = class_sizes(data, quasi_identifiers)
    return int(sizes.min()) if sizes.size else 0


def l_diversity(data: Any, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """The fewest distinct sensitive values found in any group (distinct l-diversity)."""
    cols = _columns(data, [*quasi_identifiers, sensitive])
    _, inverse, _ = _classes(cols, quasi_identifiers)
    if inverse.size == 0:
        return 0
    pairs = np.unique(np.stack([inverse.astype(str), cols[sensitive]], axis=1), axis=0)
    return int(np.bincount(pairs[:, 0].astype(int)).min())


@dataclass(frozen=True)
class Generalizer:
    """A ladder of ever coarser recodings of one quasi-identifier (level 0 is the raw value)."""

    levels: tuple[Callable[[np.ndarray], np.ndarray], ...]
    labels: tuple[str, ...]


def bands(widths: Sequence[int], top: str = SUPPRESSED) -> Generalizer:
    """Numeric values into bands of each width in turn (e.g. ages 1 -> 5 -> 10), then all one."""

    def banding(width: int) -> Callable[[np.ndarray], np.ndarray]:
        def apply(values: np.ndarray) -> np.ndarray:
            numbers = np.floor(values.astype(float) / width).astype(int) * width
            return np.array([f"{n}-{n + width - 1}" for n in numbers])

        return apply

    levels = (*(banding(w) for w in widths), lambda v: np.full(v.shape, top))
    return Generalizer(levels, (*(f"bands of {w}" for w in widths), "all"))


def hierarchy_up(parent_of: Mapping[str, str], depth: int) -> Generalizer:
    """Codes replaced by their parent, then grandparent... (school -> district -> state)."""

    def up(times: int) -> Callable[[np.ndarray], np.ndarray]:
        def apply(values: np.ndarray) -> np.ndarray:
            out = values.astype(str)
            for _ in range(times):
                out = np.array([parent_of.get(v, v) for v in out])
            return out

        return apply

    return Generalizer(
        tuple(up(t) for t in range(1, depth + 1)), tuple(f"up {t}" for t in range(1, depth + 1))
    )


@dataclass
class Anonymized:
    """Recoded quasi-identifiers, which records were suppressed, and what was lost."""

    columns: dict[str, np.ndarray]
    kept: np.ndarray  # boolean, records remaining
    report: dict[str, Any] = field(default_factory=dict)


def anonymize(
    data: Any,
    quasi_identifiers: Sequence[str],
    k: int,
    generalizers: Mapping[str, Generalizer],
    max_suppressed: float = 0.05,
    sensitive: str | None = None,
    l_min: int = 1,
) -> Anonymized:
    """Generalize quasi-identifiers step by step (the step leaving fewest failing records),
    until at most ``max_suppressed`` of records fail; suppress those locally."""
    raw = _columns(data, [*quasi_identifiers, *([sensitive] if sensitive else [])])
    levels = {q: 0 for q in quasi_identifiers}

    def recoded(lv: Mapping[str, int]) -> dict[str, np.ndarray]:
        out = dict(raw)
        for q, level in lv.items():
            if level:
                out[q] = generalizers[q].levels[level - 1](raw[q])
        return out

    def failing(cols: dict[str, np.ndarray]) -> np.ndarray:
        return _failing(cols, quasi_identifiers, k, sensitive, l_min)

    current = recoded(levels)
    bad = failing(current)
    while bad.mean() > max_suppressed if bad.size else False:
        options = [
            q
            for q in quasi_identifiers
            if q in generalizers and levels[q] < len(generalizers[q].levels)
        ]
        if not options:
            break
        trials = {q: failing(recoded({**levels, q: levels[q] + 1})).sum() for q in options}
        best = min(options, key=lambda q: trials[q])
        levels[best] += 1
        current = recoded(levels)
        bad = failing(current)
    return _suppress(
        current, raw, quasi_identifiers, bad, levels, generalizers, k, sensitive, l_min
    )


def _failing(cols, qis, k, sensitive, l_min) -> np.ndarray:
    _, inverse, counts = _classes(cols, qis)
    bad = counts[inverse] < k
    if sensitive and l_min > 1:
        pairs = np.unique(np.stack([inverse.astype(str), cols[sensitive]], axis=1), axis=0)
        distinct = np.bincount(pairs[:, 0].astype(int), minlength=counts.size)
        bad |= distinct[inverse] < l_min
    return bad


def _suppress(current, raw, qis, bad, levels, generalizers, k, sensitive, l_min) -> Anonymized:
    cols = {name: values.copy() for name, values in current.items()}
    for q in qis:
        cols[q] = np.where(bad, SUPPRESSED, cols[q])
    kept = np.ones(bad.size, dtype=bool)
    # Records suppressed together form one group; if even that is too small, they go.
    if bad.any() and _failing({q: cols[q][bad] for q in cols}, qis, k, sensitive, l_min).any():
        kept = ~bad
    report = {
        "k": k,
        "levels": {
            q: (generalizers[q].labels[levels[q] - 1] if levels[q] else "original") for q in qis
        },
        "records": int(bad.size),
        "records_suppressed": int(bad.sum()),
        "records_removed": int((~kept).sum()),
        "distinct_before": {q: int(np.unique(raw[q]).size) for q in qis},
        "distinct_after": {q: int(np.unique(cols[q][kept]).size) for q in qis},
    }
    return Anonymized({q: cols[q][kept] for q in cols}, kept, report)
