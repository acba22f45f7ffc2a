"""Benchmark: protect and audit a statewide enrollment table (district > school x grade x subgroup).

Compares, in the same run, the fast heuristic with the simple line-by-line baseline on the full
table (>= 100,000 cells, the heuristic's pattern audited in full: spread moves, then LPs for
what they leave, within a time budget), on two districts (protected and audited completely),
and with the exact MILP on small district tables. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

from steward.dataplane.sdc import Dimension, DisclosureRules, Table, audit, protect
from steward.dataplane.sdc.attacker import AttackerSystem
from steward.dataplane.sdc.heuristic import cell_costs, protect_baseline, protect_lines
from steward.dataplane.sdc.primary import sensitivity
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


def full_state(
    rules: DisclosureRules, repeats: int, budget: float, audit_baseline: bool = False
) -> dict:
    """The >= 100,000-cell table: line-wise protection, then the audit within a time budget
    (the baseline's pattern only if asked: it fails, and its failing cells go to the LPs).
    Its hidden cells form one component far too large for an LP per cell."""
    table = synthetic_state(seed=2026)
    sens = sensitivity(table, rules)
    costs = cell_costs(table.flat_values, "cells")
    seconds = []
    for _ in range(repeats):
        (mask, _), elapsed = timed(protect_lines, table, sens, costs, sens.sensitive.copy())
        seconds.append(elapsed)
    base, base_seconds = timed(protect_baseline, table, sens)
    out = {"cells": table.n_cells, "primary": int(sens.sensitive.sum())}
    for name, chosen, protect_seconds in (
        ("heuristic", mask, statistics.median(seconds)),
        ("baseline", base, base_seconds),
    ):
        system = AttackerSystem.build(table.relations, table.flat_values, chosen)
        out[name] = {
            "protect_seconds": round(protect_seconds, 2),
            "suppressed": int(chosen.sum()),
            "value_suppressed": float(table.flat_values[chosen].sum()),
            "largest_hidden_component": int(np.bincount(system.labels).max()),
        }
        if name == "heuristic" or audit_baseline:
            result, audit_seconds = timed(audit, table, chosen, rules, time_budget=budget)
            out[name] |= {
                "audit_seconds": round(audit_seconds, 2),
                "audit_complete": result.complete,
                "audit_passed": result.passed,
                "protect_and_audit_seconds": round(protect_seconds + audit_seconds, 2),
                "sensitive_cells_certified": sum(c.passed for c in result.cells),
                "sensitive_cells": len(result.cells),
            }
    return out


def districts(rules: DisclosureRules, n_districts: int, n_schools: int) -> dict:
    """A few districts of the same state: protected with the repair loop and fully audited."""
    table = synthetic_state(seed=7, n_districts=n_districts, n_schools=n_schools)
    fast, seconds = timed(protect, table, rules, method="heuristic")
    base, base_seconds = timed(protect, table, rules, method="baseline")
    return {
        "cells": table.n_cells,
        "primary": int(fast.primary.sum()),
        "heuristic": {
            "seconds_protect_and_audit": round(seconds, 2),
            "suppressed": fast.n_suppressed,
            "value_suppressed": fast.value_suppressed,
            "audit_passed": fast.audit.passed,
        },
        "baseline": {
            "seconds_protect_and_audit": round(base_seconds, 2),
            "suppressed": base.n_suppressed,
            "value_suppressed": base.value_suppressed,
            "audit_passed": base.audit.passed,
            "audit_failures": len(base.audit.failures),
        },
    }


def small_tables(rules: DisclosureRules, count: int) -> dict:
    """District tables small enough for the exact MILP: how far the heuristic is from optimal."""
    gaps, rows = [], []
    for seed in range(count):
        table = district_table(seed, n_schools=6 + seed % 4)
        exact, exact_seconds = timed(protect, table, rules, method="exact", time_limit=120)
        heur = protect(table, rules, method="heuristic")
        base = protect(table, rules, method="baseline")
        gaps.append(heur.n_suppressed / max(exact.n_suppressed, 1) - 1)
        rows.append(
            {
                "cells": table.n_cells,
                "exact": exact.n_suppressed,
                "exact_seconds": round(exact_seconds, 2),
                "heuristic": heur.n_suppressed,
                "baseline": base.n_suppressed,
                "baseline_audit_passed": base.audit.passed,
            }
        )
    return {
        "tables": rows,
        "median_gap_to_exact": round(statistics.median(gaps), 3),
        "max_gap_to_exact": round(max(gaps), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--audit-budget", type=float, default=1800, help="time budget of the full audit (seconds)"
    )
    parser.add_argument(
        "--audit-baseline", action="store_true", help="also audit the baseline's full pattern"
    )
    parser.add_argument("--small-tables", type=int, default=6)
    args = parser.parse_args()
    rules = DisclosureRules()
    report = {
        "benchmark": "sdc.protect",
        "full_state": full_state(rules, args.repeats, args.audit_budget, args.audit_baseline),
        "two_districts": districts(rules, n_districts=2, n_schools=6),
        "small_tables_vs_exact": small_tables(rules, args.small_tables),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
