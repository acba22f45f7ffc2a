"""A small Fellegi-Sunter model: u from random pairs, m and lambda by EM, weights in bits.

Comparison levels are small integers per comparison (0 = no agreement, higher = closer) and
-1 when either side is missing, which weighs nothing, as in Splink.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NULL = -1
_SMOOTH = 0.5  # pseudo-count so no level has probability zero


@dataclass
class FSModel:
    """Per comparison, m and u over its levels; lam is the match share among blocked pairs."""

    names: list[str]
    m: list[np.ndarray]
    u: list[np.ndarray]
    lam: float


def level_frequencies(
    levels: np.ndarray, sizes: list[int], weights: np.ndarray | None = None
) -> list[np.ndarray]:
    """Smoothed share of each level per comparison (nulls ignored), optionally weighted."""
    w = np.ones(len(levels)) if weights is None else weights
    shares = []
    for c, size in enumerate(sizes):
        col = levels[:, c]
        seen = col != NULL
        counts = np.bincount(col[seen], weights=w[seen], minlength=size) + _SMOOTH
        shares.append(counts / counts.sum())
    return shares


def initial_m(sizes: list[int]) -> list[np.ndarray]:
    """Start EM believing matches mostly sit at the top level of each comparison."""
    starts = []
    for size in sizes:
        m = np.full(size, 0.05 / max(size - 1, 1))
        m[-1] = 0.95
        starts.append(m / m.sum())
    return starts


def log2_bayes_factors(
    levels: np.ndarray,
    probs_m: list[np.ndarray],
    probs_u: list[np.ndarray],
    active: list[int] | None = None,
) -> np.ndarray:
    """Sum over comparisons of log2(m/u) at each pair's level; missing values add nothing."""
    total = np.zeros(len(levels))
    for c in range(levels.shape[1]) if active is None else active:
        col = levels[:, c]
        seen = col != NULL
        ratio = np.log2(probs_m[c]) - np.log2(probs_u[c])
        total[seen] += ratio[col[seen]]
    return total


def fit_session(
    levels: np.ndarray,
    sizes: list[int],
    *,
    u: list[np.ndarray],
    active: list[int],
    m_start: list[np.ndarray],
    lam_start: float,
    iterations: int = 200,
    tolerance: float = 1e-7,
) -> list[np.ndarray]:
    """EM on one block of pairs, u held fixed; returns m for the ``active`` comparisons.

    Comparisons that formed the block are left out (``active`` excludes them): within the
    block they agree by construction and would teach EM nothing but bias.
    """
    m, lam = [x.copy() for x in m_start], lam_start
    for _ in range(iterations):
        prior = np.log2(lam) - np.log2(1 - lam)
        posterior = 1 / (1 + np.exp2(-(prior + log2_bayes_factors(levels, m, u, active))))
        updated = level_frequencies(levels, sizes, weights=posterior)
        new_lam = float(np.clip(posterior.mean(), 1e-9, 1 - 1e-9))
        change = abs(new_lam - lam)
        for c in active:
            change = max(change, float(np.abs(updated[c] - m[c]).max()))
            m[c] = updated[c]
        lam = new_lam
        if change < tolerance:
            break
    return [m[c] for c in active]


def fit(
    levels: np.ndarray,
    sizes: list[int],
    names: list[str],
    *,
    u: list[np.ndarray],
    sessions: list[np.ndarray],
    fixed: list[list[str]],
    lam: float,
    m_start: list[np.ndarray] | None = None,
) -> FSModel:
    """m averaged over EM sessions (each a row mask with the comparisons it fixed); lam given."""
    start = m_start or initial_m(sizes)
    estimates: list[list[np.ndarray]] = [[] for _ in sizes]
    for rows, held in zip(sessions, fixed, strict=True):
        active = [c for c, name in enumerate(names) if name not in held]
        if rows.sum() == 0:
            continue
        session_lam = float(np.clip(lam * len(levels) / rows.sum(), 1e-6, 0.99))
        found = fit_session(
            levels[rows], sizes, u=u, active=active, m_start=start, lam_start=session_lam
        )
        for c, m in zip(active, found, strict=True):
            estimates[c].append(m)
    m = [np.mean(e, axis=0) if e else start[c] for c, e in enumerate(estimates)]
    return FSModel(names=names, m=m, u=u, lam=lam)


def score(levels: np.ndarray, model: FSModel) -> tuple[np.ndarray, np.ndarray]:
    """Match weight (bits) and match probability of each pair."""
    weight = (
        np.log2(model.lam) - np.log2(1 - model.lam) + log2_bayes_factors(levels, model.m, model.u)
    )
    return weight, 1 / (1 + np.exp2(-weight))
