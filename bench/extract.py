"""Benchmark: building an extract (select, filter by year, pseudonymize, encrypt) against
DuckDB's plain Parquet-to-Parquet copy of the same rows, in the same run.

    .venv/bin/python bench/extract.py            # 2 million rows, three runs of each
    .venv/bin/python bench/extract.py --rows 10000000 --repeat 3

Rows are spread over five school years, one student in about five rows; the extract keeps four
years. The copy and the build run in turn, each `--repeat` times (a new extract version each
time); the figures are medians, of wall time and of the process's CPU time (all its threads,
steadier on a shared machine). The last line printed is one JSON object: rows per second of
each and their ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from steward.dataplane.extract import ExtractSpec, Variable, build_extract
from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.warehouse import Warehouse

YEARS = range(2016, 2021)
KEPT = (2017, 2020)
# The baseline: the same columns and years, copied as plain Parquet with no keys at all.
COPY = """COPY (SELECT student_id, school_year, school_id, days_absent
    FROM read_parquet('SOURCE/*.parquet') WHERE school_year BETWEEN 2017 AND 2020)
    TO 'TARGET' (FORMAT parquet)"""


def year_table(year: int, n: int, rng: np.random.Generator) -> pa.Table:
    students = rng.integers(0, max(n, 1), n)
    return pa.table(
        {
            "school_year": pa.array(np.full(n, year, np.int16)),
            "student_id": pa.array((1_000_000_000 + students).astype(str)),
            "first_name": pa.array(np.char.add("Name", (students % 5000).astype(str))),
            "school_id": pa.array(np.char.add("0001", (students % 900).astype(str))),
            "days_enrolled": pa.array(np.full(n, 180, np.int16)),
            "days_absent": pa.array(rng.integers(0, 40, n).astype(np.int16)),
        }
    )


def variable(element: str, identifier: str = "none") -> Variable:
    return Variable("sea", "attendance", element, KEPT[0], KEPT[1], identifier=identifier)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(9)
    per_year = args.rows // len(YEARS)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = Warehouse(root / "var", LocalKeyFile(root / "keys" / "keys.json"))
        plain = root / "plain"
        plain.mkdir()
        for year in YEARS:
            table = year_table(year, per_year, rng)
            store.write_version("sea", "attendance", year, table)
            pq.write_table(table, plain / f"{year}.parquet")
        kept_rows = per_year * (KEPT[1] - KEPT[0] + 1)

        copies, builds, copies_cpu, builds_cpu = [], [], [], []
        spec_variables = (variable("school_id", "quasi"), variable("days_absent"))
        for run in range(args.repeat):
            con = duckdb.connect()
            target = root / f"copy{run}.parquet"
            start, cpu = time.perf_counter(), time.process_time()
            con.execute(COPY.replace("SOURCE", str(plain)).replace("TARGET", str(target)))
            copies.append(time.perf_counter() - start)
            copies_cpu.append(time.process_time() - cpu)
            con.close()

            spec = ExtractSpec("bench", f"v{run + 1}", spec_variables)
            start, cpu = time.perf_counter(), time.process_time()
            built = build_extract(spec, warehouse=store, pseudonym_key=b"k" * 32)
            builds.append(time.perf_counter() - start)
            builds_cpu.append(time.process_time() - cpu)
            assert built.rows == kept_rows, (built.rows, kept_rows)
        copy_seconds, extract_seconds = statistics.median(copies), statistics.median(builds)

    result = {
        "benchmark": "extract",
        "rows_in": per_year * len(YEARS),
        "rows_out": kept_rows,
        "runs": args.repeat,
        "extract_seconds": round(extract_seconds, 3),
        "plain_copy_seconds": round(copy_seconds, 3),
        "extract_rows_per_second": round(kept_rows / extract_seconds),
        "plain_copy_rows_per_second": round(kept_rows / copy_seconds),
        "ratio": round(copy_seconds / extract_seconds, 3),
        "goal_ratio": 0.5,
        # CPU seconds of the process (all its threads): steadier than wall time on a busy host.
        "extract_cpu_seconds": round(statistics.median(builds_cpu), 3),
        "plain_copy_cpu_seconds": round(statistics.median(copies_cpu), 3),
        "extract_runs": [round(t, 3) for t in builds],
        "plain_copy_runs": [round(t, 3) for t in copies],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
