"""Benchmark: a school-by-group-by-year report (chronic absence by school x student group x year)
for the whole synthetic state, built and protected by the report builder's own pure functions
(`steward.outputs.reports.build_report`: DuckDB aggregation, then suppression with its reasons,
rounding and rate coding), against the same aggregation in bare DuckDB (GROUP BY CUBE, every
cell and margin, nothing protected) in the same run.

The state is generated in a temporary directory with `steward.dataplane.synth.generate` and its
SEA files read with DuckDB into Arrow, as the warehouse hands them to the builder; no Django
settings or database are needed. Each measured step runs in its own fresh process so that its
peak memory (`resource.getrusage`) is its own. Prints one JSON line last.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import queue as queue_module
import resource
import statistics
import tempfile
import time
from pathlib import Path

DATASETS = ("enrollment", "attendance")


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _load(root: str):
    """The SEA's enrollment and attendance of every year, read with DuckDB into Arrow."""
    import duckdb

    tables = {}
    for name in DATASETS:
        files = str(Path(root) / "sea" / name / "*.parquet")
        tables[name] = duckdb.sql(f"SELECT * FROM read_parquet('{files}')").to_arrow_table()  # noqa: S608
    return tables


def _steward(root: str, group: str, first: int, last: int, queue) -> None:
    from steward.dataplane.sdc import DisclosureRules
    from steward.outputs.reports import ReportSpec, build_report, leaf_counts

    tables = _load(root)
    loaded = _peak_mib()
    spec = ReportSpec(
        measure="chronic_absence",
        places=("school", "year"),
        group=group,
        first_year=first,
        last_year=last,
    )
    start = time.perf_counter()
    leaf_counts(spec, tables)  # the aggregation alone, to show what protection adds
    aggregate_seconds = time.perf_counter() - start
    start = time.perf_counter()
    report = build_report(spec, tables, DisclosureRules())
    seconds = time.perf_counter() - start
    queue.put(
        {
            "seconds": seconds,
            "aggregate_seconds": aggregate_seconds,
            "peak_mib": _peak_mib(),
            "loaded_mib": loaded,
            "cells": report.n_cells,
            "suppressed": report.n_suppressed,
            # The grand total of chronically absent student-years (never shown; a check).
            "chronically_absent": int(max(report.true_counts)) if report.true_counts else 0,
        }
    )


CUBE = """
SELECT CAST(e.school_year AS VARCHAR) AS year, CAST(e.school_id AS VARCHAR) AS school,
       CAST(e.{group} AS VARCHAR) AS grp,
       sum(CASE WHEN a.days_absent * 10 >= a.days_enrolled THEN 1 ELSE 0 END) AS n,
       count(*) AS d
FROM e JOIN attendance a ON a.school_year = e.school_year AND a.student_id = e.student_id
WHERE a.days_enrolled > 0 AND e.school_year BETWEEN {first} AND {last}
GROUP BY CUBE (1, 2, 3)
"""


def _duckdb(root: str, group: str, first: int, last: int, queue) -> None:
    import duckdb

    tables = _load(root)
    loaded = _peak_mib()
    con = duckdb.connect()
    con.register("e", tables["enrollment"])
    con.register("attendance", tables["attendance"])
    start = time.perf_counter()
    cube = con.sql(CUBE.format(group=group, first=first, last=last)).to_arrow_table()
    seconds = time.perf_counter() - start
    import pyarrow.compute as pc

    nulls = [pc.is_null(cube[c]) for c in ("year", "school", "grp")]
    margin = pc.and_(pc.and_(nulls[0], nulls[1]), nulls[2])
    total = cube.filter(margin).to_pydict()
    queue.put(
        {
            "seconds": seconds,
            "peak_mib": _peak_mib(),
            "loaded_mib": loaded,
            "cells": cube.num_rows,
            "chronically_absent": int(total["n"][0]),
            "student_years": int(total["d"][0]),
        }
    )


def _in_fresh_process(target, *args) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    while process.is_alive() or not queue.empty():
        try:
            return queue.get(timeout=1)
        except queue_module.Empty:  # the step is still running
            continue
    raise SystemExit(f"{target.__name__} failed (exit code {process.exitcode})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--first-year", type=int, default=2019)
    parser.add_argument("--last-year", type=int, default=2023)
    parser.add_argument("--group", default="race_ethnicity")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from steward.dataplane.synth import generate

    with tempfile.TemporaryDirectory(prefix="steward-bench-report-") as root:
        start = time.perf_counter()
        generate(
            Path(root),
            students=args.students,
            years=(args.first_year, args.last_year),
            seed=args.seed,
            fmt="parquet",
        )
        generated = time.perf_counter() - start
        runs = {"steward": [], "duckdb": []}
        for _ in range(args.repeat):
            for name, target in (("steward", _steward), ("duckdb", _duckdb)):
                result = _in_fresh_process(
                    target, root, args.group, args.first_year, args.last_year
                )
                runs[name].append(result)
                print(f"{name}: {json.dumps(result)}", flush=True)

    steward_s = statistics.median(r["seconds"] for r in runs["steward"])
    duckdb_s = statistics.median(r["seconds"] for r in runs["duckdb"])
    last_steward, last_duckdb = runs["steward"][-1], runs["duckdb"][-1]
    assert last_steward["chronically_absent"] == last_duckdb["chronically_absent"], (
        "the report and bare DuckDB count different students"
    )
    print(
        json.dumps(
            {
                "bench": "report",
                "report": f"chronic absence by school x {args.group} x year",
                "students": args.students,
                "years": [args.first_year, args.last_year],
                "generate_seconds": round(generated, 2),
                "student_years": last_duckdb["student_years"],
                "chronically_absent": last_duckdb["chronically_absent"],
                "steward_seconds": round(steward_s, 3),
                "steward_aggregate_seconds": round(last_steward["aggregate_seconds"], 3),
                "steward_peak_mib": round(last_steward["peak_mib"], 1),
                "steward_loaded_mib": round(last_steward["loaded_mib"], 1),
                "steward_cells": last_steward["cells"],
                "steward_suppressed": last_steward["suppressed"],
                "duckdb_seconds": round(duckdb_s, 3),
                "duckdb_peak_mib": round(last_duckdb["peak_mib"], 1),
                "duckdb_loaded_mib": round(last_duckdb["loaded_mib"], 1),
                "duckdb_cells": last_duckdb["cells"],
                "time_ratio": round(steward_s / duckdb_s, 1) if duckdb_s else None,
            }
        )
    )


if __name__ == "__main__":
    main()
