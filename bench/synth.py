"""Benchmark: generating the synthetic state, against plain PyArrow and per-row Faker baselines.

Prints one JSON line last: rows per second, seconds, peak memory, and the same-process
baselines (PyArrow writing as many rows of random columns to CSV; Faker making rows one at a
time, measured on a sample and extrapolated), each as a ratio. Medians over --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
from faker import Faker

from steward.dataplane.synth import generate

FAKER_SAMPLE = 5_000


def time_generate(students: int, years: tuple[int, int], fmt: str) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = generate(Path(tmp), students=students, years=years, seed=1, fmt=fmt)
        return time.perf_counter() - start, summary.total_rows


def time_pyarrow(rows: int) -> float:
    """Write ``rows`` rows of ten random columns (ids, names, dates, numbers) as CSV."""
    rng = np.random.default_rng(0)
    pool = pa.array([f"name{i}" for i in range(5_000)])
    chunk = 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        for k, first in enumerate(range(0, rows, chunk)):
            n = min(chunk, rows - first)
            table = pa.table(
                {
                    "id": pa.compute.cast(pa.array(rng.integers(10**9, 10**10, n)), pa.string()),
                    "first": pool.take(pa.array(rng.integers(0, 5_000, n))),
                    "last": pool.take(pa.array(rng.integers(0, 5_000, n))),
                    "birth": pa.array(
                        rng.integers(10_000, 15_000, n).astype(np.int32), pa.date32()
                    ),
                    "a": pa.array(rng.random(n) < 0.5),
                    "b": pa.array(rng.random(n) < 0.1),
                    "grade": pa.array(rng.integers(0, 13, n)),
                    "school": pool.take(pa.array(rng.integers(0, 300, n))),
                    "days": pa.array(rng.integers(0, 180, n)),
                    "score": pa.array(np.round(rng.normal(500, 50, n), 2)),
                }
            )
            pacsv.write_csv(table, f"{tmp}/{k}.csv")
        return time.perf_counter() - start


def time_faker(rows: int) -> float:
    """Faker's per-row generation of a name, birth date and id, timed on a sample, scaled up."""
    fake = Faker("en_US")
    Faker.seed(0)
    start = time.perf_counter()
    for _ in range(FAKER_SAMPLE):
        (fake.first_name(), fake.last_name(), fake.date_of_birth(), fake.bothify("##########"))
    return (time.perf_counter() - start) * rows / FAKER_SAMPLE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=100_000)
    parser.add_argument("--years", default="2015-2024")
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    first, last = (int(y) for y in args.years.split("-"))
    runs, baseline, faker = [], [], []
    rows = 0
    for _ in range(args.repeat):
        seconds, rows = time_generate(args.students, (first, last), args.format)
        runs.append(seconds)
        baseline.append(time_pyarrow(rows))
        faker.append(time_faker(rows))
    seconds, arrow, faker_s = (statistics.median(x) for x in (runs, baseline, faker))
    result = {
        "benchmark": "synth",
        "students": args.students,
        "years": [first, last],
        "format": args.format,
        "repeat": args.repeat,
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(rows / seconds),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "baseline_pyarrow_csv_seconds": round(arrow, 2),
        "ratio_to_pyarrow_csv": round(seconds / arrow, 2),
        "baseline_faker_per_row_seconds_extrapolated": round(faker_s, 1),
        "speedup_over_faker_per_row": round(faker_s / seconds, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
