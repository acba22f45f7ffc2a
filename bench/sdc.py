"""Benchmark: protect and audit a statewide enrollment table (district > school x grade x subgroup).

Compares, in the same run, the fast heuristic with the simple line-by-line baseline on the full
table (>= 100,000 cells), and with the exact MILP on small district tables. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from steward.dataplane.sdc import Dimension, DisclosureRules, Table, audit, protect
from steward.dataplane.sdc.table import _aggregate_up, _sum

GRADES = ["K", *[str(g) for g in range(1, 13)]]
RACES = ["Hispanic", "White", "Black", "Asian", "Native", "Pacific", "Multi"]
GENDERS = ["F", "M"]


def synthetic_state(seed: int, n_districts: int = 40, n_schools: int = 300) -> Table:
    """A Lakeland-like enrollment table with skewed school sizes and small subgroups."""
    rng = np.random.default_rng(seed)
    district_weights = rng.pareto(1.2, n_districts) + 0.05
    district_of = rng.choice(n_districts, n_schools, p=district_weights / district_weights.sum())
    district_of[:n_districts] = np.arange(n_districts)  # every district has a school
    geo = {f"D{d:02d}": "State" for d in range(n_districts)}
    geo |= {f"S{s:03d}": f"D{district_of[s]:02d}" for s in range(n_schools)}
    groups = {race: "All" for race in RACES} | {f"{r}-{g}": r for r in RACES for g in GENDERS}
    dims = (
        Dimension.from_parent_map("school", geo),
        Dimension.flat("grade", GRADES),
        Dimension.from_parent_map("subgroup", groups),
    )
    leaf = np.zeros(tuple(len(d.codes) for d in dims))
    race_mix = rng.dirichlet([6, 5, 2, 0.8, 0.3, 0.15, 0.6], n_districts)
    sizes = np.clip(rng.lognormal(np.log(380), 0.9, n_schools), 12, 4000)
    school_idx = [dims[0].index[f"S{s:03d}"] for s in range(n_schools)]
    grade_idx = [dims[1].index[g] for g in GRADES]
    for s in range(n_schools):
        per_grade = rng.multinomial(int(sizes[s]), np.full(13, 1 / 13))
        for g, n in enumerate(per_grade):
            mix = rng.dirichlet(race_mix[district_of[s]] * 40 + 1e-3)
            by_race = rng.multinomial(n, mix)
            for r, race in enumerate(RACES):
                female = rng.binomial(by_race[r], 0.49)
                for gender, count in (("F", female), ("M", by_race[r] - female)):
                    leaf[school_idx[s], grade_idx[g], dims[2].index[f"{race}-{gender}"]] = count
    return Table(dims, _aggregate_up(leaf, dims, _sum))


def district_table(seed: int, n_schools: int) -> Table:
    """A small table (one district's schools x grade band x race) where the MILP is exact."""
    rng = np.random.default_rng(seed)
    schools = {f"S{s}": "District" for s in range(n_schools)}
    bands = ["K-5", "6-8", "9-12"]
    races = RACES[:4]
    dims = (
        Dimension.from_parent_map("school", schools),
        Dimension.flat("band", bands),
        Dimension.flat("race", races),
    )
    leaf = np.zeros(tuple(len(d.codes) for d in dims))
    for s in range(n_schools):
        for b in range(len(bands)):
            mean = rng.lognormal(np.log(25), 1.0) * np.array([0.5, 0.3, 0.12, 0.08])
            leaf[1 + s, 1 + b, 1:] = rng.poisson(mean)
    return Table(dims, _aggregate_up(leaf, dims, _sum))


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small-tables", type=int, default=6)
    args = parser.parse_args()
    rules = DisclosureRules()
    table = synthetic_state(seed=2026)

    runs = []
    for _ in range(args.repeats):
        fast, seconds = timed(protect, table, rules, method="heuristic")
        runs.append(seconds)
    base, base_seconds = timed(protect, table, rules, method="baseline")

    gaps, small = [], []
    for seed in range(args.small_tables):
        small_table = district_table(seed, n_schools=6 + seed % 4)
        exact = protect(small_table, rules, method="exact", time_limit=60)
        heur = protect(small_table, rules, method="heuristic")
        small_base = protect(small_table, rules, method="baseline")
        gaps.append(heur.n_suppressed / max(exact.n_suppressed, 1) - 1)
        small.append(
            {
                "cells": small_table.n_cells,
                "exact": exact.n_suppressed,
                "heuristic": heur.n_suppressed,
                "baseline": small_base.n_suppressed,
                "baseline_audit_passed": small_base.audit.passed,
            }
        )
    recheck = audit(table, fast.suppressed, rules)
    print(
        json.dumps(
            {
                "benchmark": "sdc.protect",
                "cells": table.n_cells,
                "primary": int(fast.primary.sum()),
                "heuristic": {
                    "median_seconds_protect_and_audit": round(statistics.median(runs), 2),
                    "suppressed": fast.n_suppressed,
                    "value_suppressed": fast.value_suppressed,
                    "audit_passed": recheck.passed,
                },
                "baseline": {
                    "seconds_protect_and_audit": round(base_seconds, 2),
                    "suppressed": base.n_suppressed,
                    "value_suppressed": base.value_suppressed,
                    "audit_passed": base.audit.passed,
                    "audit_failures": len(base.audit.failures),
                },
                "small_tables_vs_exact": small,
                "median_gap_to_exact": round(statistics.median(gaps), 3),
                "max_gap_to_exact": round(max(gaps), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
