"""Ingest speed: validate (every rule) and encrypt 1M enrollment rows, against plain DuckDB.

The baseline is DuckDB reading the same CSV and writing unencrypted Parquet with no checks
(``COPY (SELECT * FROM read_csv(...)) TO ...``). Runs alternate; medians of 3 are reported.
Prints one JSON line last.

    .venv/bin/python bench/ingest.py [--rows 1000000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.validation import ValidationContext, ingest, parse_catalog
from steward.dataplane.warehouse import Warehouse

YEAR = 2020
GRADES = ["KG", *[f"{g:02d}" for g in range(1, 13)]]
RACES = {"A": "Asian", "B": "Black", "H": "Hispanic", "I": "Native", "W": "White", "M": "Two+"}


def element(name, type_, required=True, **extra):
    base = {
        "name": name,
        "label": name,
        "definition": name,
        "type": type_,
        "required": required,
        "classification": 3,
        "identifier": "none",
    }
    return {**base, **extra}


CATALOG = {
    "classification_levels": [
        {"level": n, "name": f"L{n}", "meaning": "-", "protections": []} for n in (1, 2, 3, 4)
    ],
    "agencies": [
        {
            "code": "sea",
            "name": "Lakeland Department of Education",
            "kind": "sea",
            "datasets": [
                {
                    "code": "schools",
                    "name": "Schools",
                    "purpose": "-",
                    "frequency": "yearly",
                    "due": "10-01",
                    "years": "2015-2024",
                    "key": ["school_id"],
                    "elements": [element("school_id", "string")],
                },
                {
                    "code": "enrollment",
                    "name": "K-12 enrollment",
                    "purpose": "-",
                    "frequency": "yearly",
                    "due": "11-15",
                    "years": "2015-2024",
                    "key": ["student_id"],
                    "elements": [
                        element("student_id", "string", identifier="direct"),
                        element("school_year", "integer"),
                        element(
                            "school_id",
                            "string",
                            references={"dataset": "schools", "element": "school_id"},
                        ),
                        element("first_name", "string"),
                        element("last_name", "string"),
                        element("birth_date", "date"),
                        element("sex", "code", codes={"F": "Female", "M": "Male", "X": "Other"}),
                        element("race", "code", codes=RACES),
                        element("grade", "code", codes={g: g for g in GRADES}),
                        element("days_enrolled", "integer", min=0, max=180),
                        element("days_absent", "integer", required=False, min=0, max=180),
                        element("econ_disadvantaged", "boolean"),
                        element("english_learner", "boolean"),
                    ],
                },
            ],
        }
    ],
}


def synthetic_enrollment(n: int, rng: np.random.Generator) -> tuple[pa.Table, pa.Table]:
    """Today's file and last year's typed rows for the same students."""
    ids = pc.binary_join_element_wise(
        "S", pa.array(rng.permutation(n) + 10**8).cast(pa.string()), ""
    )
    grade = rng.integers(1, 13, n)
    births = (np.datetime64("2014-09-01") - (grade * 365 + rng.integers(0, 365, n))).astype(
        "datetime64[D]"
    )
    names = np.array(["Ava", "Liam", "Mia", "Noah", "Zoe", "Eli", "Ivy", "Leo"])
    table = pa.table(
        {
            "student_id": ids,
            "school_year": pa.array(np.full(n, YEAR)).cast(pa.string()),
            "school_id": pa.array(rng.integers(1000, 1300, n)).cast(pa.string()),
            "first_name": pa.array(names[rng.integers(0, 8, n)]),
            "last_name": pa.array(names[rng.integers(0, 8, n)]),
            "birth_date": pa.array(births).cast(pa.string()),
            "sex": pa.array(np.array(["F", "M"])[rng.integers(0, 2, n)]),
            "race": pa.array(np.array(list(RACES))[rng.integers(0, 6, n)]),
            "grade": pa.array(np.array(GRADES)[grade]),
            "days_enrolled": pa.array(rng.integers(150, 181, n)).cast(pa.string()),
            "days_absent": pa.array(rng.integers(0, 30, n)).cast(pa.string()),
            "econ_disadvantaged": pa.array(np.array(["true", "false"])[rng.integers(0, 2, n)]),
            "english_learner": pa.array(np.array(["true", "false"])[rng.integers(0, 2, n)]),
        }
    )
    prior = pa.table(
        {
            "student_id": ids,
            "school_year": pa.array(np.full(n, YEAR - 1)),
            "birth_date": pa.array(births),
            "grade": pa.array(np.array(GRADES)[grade - 1]),
        }
    )
    return table, prior


def time_ours(warehouse, catalog, csv_path, context) -> float:
    start = time.perf_counter()
    result = ingest(
        warehouse,
        catalog,
        "sea",
        "enrollment",
        YEAR,
        csv_path,
        received=date(2021, 11, 1),
        context=context,
    )
    elapsed = time.perf_counter() - start
    assert result.accepted, result.report.summary()
    return elapsed


def time_duckdb(csv_path: Path, out: Path) -> float:
    start = time.perf_counter()
    con = duckdb.connect()
    # Both paths are this script's own temp files.
    sql = f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{out}' (FORMAT parquet)"  # noqa: S608
    con.execute(sql)
    con.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="enrollment rows to ingest")
    parser.add_argument("--runs", type=int, default=3, help="runs of each, alternating")
    args = parser.parse_args()
    rows, runs = args.rows, args.runs
    rng = np.random.default_rng(20261128)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        table, prior = synthetic_enrollment(rows, rng)
        csv_path = tmp / "enrollment-2020.csv"
        pacsv.write_csv(table, csv_path, pacsv.WriteOptions(quoting_style="none"))
        catalog = parse_catalog(CATALOG)
        warehouse = Warehouse(tmp / "data", LocalKeyFile(tmp / "keys" / "keys.json"))
        context = ValidationContext(
            references={"schools.school_id": pa.array([str(s) for s in range(1000, 1300)])},
            prior=prior,
        )
        ours, baseline = [], []
        for _ in range(runs):
            baseline.append(time_duckdb(csv_path, tmp / "plain.parquet"))
            ours.append(time_ours(warehouse, catalog, csv_path, context))
        print(f"steward ingest: {[round(t, 3) for t in ours]} s", file=sys.stderr)
        print(f"duckdb copy:    {[round(t, 3) for t in baseline]} s", file=sys.stderr)
        ours_median, base_median = statistics.median(ours), statistics.median(baseline)
        print(
            json.dumps(
                {
                    "bench": "ingest",
                    "rows": rows,
                    "csv_mb": round(csv_path.stat().st_size / 1e6, 1),
                    "steward_ingest_s": round(ours_median, 3),
                    "duckdb_read_csv_copy_parquet_s": round(base_median, 3),
                    "ratio": round(ours_median / base_median, 2),
                    "goal_ratio_at_most": 3.0,
                    "runs": runs,
                    "statistic": "median",
                }
            )
        )


if __name__ == "__main__":
    main()
