"""Linkage benchmark: clear-text Splink, privacy-preserving Bloom-filter linkage, and exact match.

On a synthetic state, links the SEA's students to each other agency three ways and reports
seconds, precision, recall and F1 against the true links. The baseline is a deterministic
match on normalized first name + last name + birth date. Prints one JSON line last.

    .venv/bin/python bench/linkage.py [--students 20000] [--years 2014-2019] [--seed 20151]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from steward.dataplane import linkage as lk
from steward.dataplane.linkage.prepare import comparison_table
from steward.dataplane.synth import generate

SECRET = b"benchmark linkage secret, held by the agencies"


def exact_baseline(sea: pa.Table, other: pa.Table) -> set[tuple[str, str]]:
    """Pairs agreeing exactly on normalized first name, last name and birth date (unique keys)."""

    def keyed(table: pa.Table) -> dict[tuple, list[str]]:
        c = comparison_table(table).to_pydict()
        found: dict[tuple, list[str]] = {}
        for pid, f, la, d in zip(
            c["person_id"], c["first_name"], c["last_name"], c["birth_date"], strict=True
        ):
            if f and la and d:
                found.setdefault((f, la, d), []).append(pid)
        return found

    left, right = keyed(sea), keyed(other)
    # A key shared by several people on either side is ambiguous: no link, as a clerk would do.
    return {
        (left[k][0], right[k][0])
        for k in left.keys() & right.keys()
        if len(left[k]) == 1 and len(right[k]) == 1
    }


def scores(found: set, truth: set) -> dict:
    tp = len(found & truth)
    p = tp / len(found) if found else 1.0
    r = tp / len(truth) if truth else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def pairs_of(result: lk.LinkageResult) -> set:
    return set(
        zip(result.pairs["sea_id"].to_pylist(), result.pairs["other_id"].to_pylist(), strict=True)
    )


def bench_agency(state: Path, sea: pa.Table, sea_encoded: pa.Table, agency: str) -> dict:
    other = lk.read_agency_people(state, agency)
    truth_table = lk.read_truth(state, agency)
    truth = set(
        zip(truth_table.column(0).to_pylist(), truth_table.column(1).to_pylist(), strict=True)
    )
    out: dict = {"people": other.num_rows, "true_links": len(truth)}

    start = time.perf_counter()
    baseline = exact_baseline(sea, other)
    out["exact_baseline"] = {
        "seconds": round(time.perf_counter() - start, 2),
        **scores(baseline, truth),
    }

    start = time.perf_counter()
    clear = lk.link(sea, other, config=lk.LinkageConfig(other_agency=agency))
    out["splink"] = {
        "seconds": round(time.perf_counter() - start, 2),
        **scores(pairs_of(clear), truth),
        "blocked_pairs": clear.diagnostics.counts["blocked_pairs"],
    }

    start = time.perf_counter()
    encoded = lk.encode_identifiers(other, secret=SECRET, agency=agency)
    encode_seconds = time.perf_counter() - start
    start = time.perf_counter()
    private = lk.link_encoded(sea_encoded, encoded, config=lk.LinkageConfig(other_agency=agency))
    token_truth = set(
        zip(
            lk.record_tokens([s for s, _ in truth], secret=SECRET, agency="sea"),
            lk.record_tokens([o for _, o in truth], secret=SECRET, agency=agency),
            strict=True,
        )
    )
    out["bloom_pprl"] = {
        "seconds": round(time.perf_counter() - start, 2),
        "encode_seconds": round(encode_seconds, 2),
        **scores(pairs_of(private), token_truth),
        "blocked_pairs": private.diagnostics.counts["blocked_pairs"],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--years", default="2014-2019")
    parser.add_argument("--seed", type=int, default=20151)
    parser.add_argument("--agencies", default="postsecondary,workforce")
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    with tempfile.TemporaryDirectory() as tmp:
        state = Path(tmp)
        generate(state, students=args.students, years=(first, last), seed=args.seed)
        start = time.perf_counter()
        sea = lk.read_agency_people(state, "sea")
        prepare_seconds = time.perf_counter() - start
        start = time.perf_counter()
        sea_encoded = lk.encode_identifiers(sea, secret=SECRET, agency="sea")
        sea_encode_seconds = time.perf_counter() - start
        result = {
            "benchmark": "linkage",
            "students": args.students,
            "years": args.years,
            "seed": args.seed,
            "sea_people": sea.num_rows,
            "sea_prepare_seconds": round(prepare_seconds, 2),
            "sea_encode_seconds": round(sea_encode_seconds, 2),
        }
        for agency in args.agencies.split(","):
            result[agency] = bench_agency(state, sea, sea_encoded, agency)
            print(f"# {agency}: {json.dumps(result[agency])}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
