"""Clear-text linkage of a small synthetic state: accuracy, one-to-one, decisions, diagnostics."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from steward.dataplane import linkage as lk
from steward.dataplane.linkage import backends
from steward.dataplane.linkage import splink_model as sm
from steward.dataplane.linkage.prepare import comparison_table
from steward.dataplane.synth import generate

# Measured on this state (1,500 students, 2014-2019, seed 2024): F1 0.996 to postsecondary
# and 0.997 to the workforce agency. The floor sits a little below to catch regressions.
F1_FLOOR = 0.98


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("state")
    generate(folder, students=1500, years=(2014, 2019), seed=2024)
    return folder


@pytest.fixture(scope="module")
def sea(state) -> pa.Table:
    return lk.read_agency_people(state, "sea")


@pytest.fixture(scope="module")
def college(state) -> pa.Table:
    return lk.read_agency_people(state, "postsecondary")


@pytest.fixture(scope="module")
def result(sea, college) -> lk.LinkageResult:
    return lk.link(sea, college, config=lk.LinkageConfig(other_agency="postsecondary"))


def test_person_records_keep_one_row_per_person_with_the_most_common_spelling():
    years = [
        pa.table(
            {
                "pid": ["A", "B"],
                "first_name": ["Ann", "Bo"],
                "last_name": ["Lee", "Ng"],
                "birth_date": ["2001-02-03", "2002-03-04"],
            }
        ),
        pa.table(
            {
                "pid": ["A"],
                "first_name": ["Anm"],
                "last_name": ["Lee"],
                "birth_date": ["2001-02-03"],
            }
        ),
        pa.table(
            {
                "pid": ["A"],
                "first_name": ["Ann"],
                "last_name": ["Lee"],
                "birth_date": ["2001-02-03"],
            }
        ),
    ]
    people = lk.person_records(years, id_column="pid")
    assert people["person_id"].to_pylist() == ["A", "B"]
    assert people["first_name"].to_pylist() == ["Ann", "Bo"]


def test_person_records_name_missing_columns_without_values():
    with pytest.raises(lk.LinkageInputError, match="birth_date"):
        lk.person_records(
            [pa.table({"pid": ["A"], "first_name": ["X"], "last_name": ["Y"]})], id_column="pid"
        )


def test_clear_text_linkage_reaches_the_f1_floor_on_both_agencies(state, sea, result):
    college = lk.evaluate(result, lk.read_truth(state, "postsecondary"))
    assert college.f1 >= F1_FLOOR
    workforce_people = lk.read_agency_people(state, "workforce")
    workforce = lk.link(sea, workforce_people, config=lk.LinkageConfig(other_agency="workforce"))
    measured = lk.evaluate(workforce, lk.read_truth(state, "workforce"))
    assert measured.f1 >= F1_FLOOR
    assert measured.wrong_master_share < 0.01


def test_each_record_links_to_at_most_one_record_of_the_other_agency(result):
    for side in ("sea_id", "other_id"):
        counts = Counter(result.pairs[side].to_pylist())
        assert counts and max(counts.values()) == 1


def test_every_person_of_both_agencies_gets_exactly_one_master_id(result, sea, college):
    cw = result.crosswalk
    assert cw.num_rows == sea.num_rows + college.num_rows
    keys = list(zip(cw["agency"].to_pylist(), cw["agency_id"].to_pylist(), strict=True))
    assert len(set(keys)) == len(keys)
    master = dict(zip(keys, cw["master_id"].to_pylist(), strict=True))
    for s, o in zip(
        result.pairs["sea_id"].to_pylist(), result.pairs["other_id"].to_pylist(), strict=True
    ):
        assert master[("sea", s)] == master[("postsecondary", o)]
    assert len(set(master.values())) == cw.num_rows - result.pairs.num_rows


def test_blocking_analysis_reports_cumulative_comparison_counts(result):
    blocking = result.diagnostics.blocking
    assert len(blocking) == 5
    cumulative = [b["cumulative_comparison_count"] for b in blocking]
    assert cumulative == sorted(cumulative) and cumulative[-1] > 0
    assert sum(b["marginal_comparison_count"] for b in blocking) == cumulative[-1]
    assert result.diagnostics.counts["blocked_pairs"] == cumulative[-1]


def test_diagnostics_give_m_and_u_per_level_and_a_weight_histogram(result):
    d = result.diagnostics
    comparisons = {p["comparison"] for p in d.parameters}
    assert comparisons == {"first_name", "last_name", "middle_name", "birth_date", "sex"}
    exact_last = next(p for p in d.parameters if p["level"] == "Exact match on last_name")
    assert exact_last["m"] > 0.5 > exact_last["u"]
    assert sum(b["count"] for b in d.histogram) == d.counts["blocked_pairs"]
    assert d.counts["em_sessions"] == 3


def test_the_histogram_counted_in_the_backend_agrees_with_the_pairs_it_kept(result):
    """Every blocked pair is binned in the backend; the kept candidates (weight at or above the
    floor's) are fetched apart. Above the lowest kept weight the two must count alike."""
    histogram = result.diagnostics.histogram
    assert len(histogram) == result.config.histogram_bins
    weights = np.asarray(result.candidates["match_weight"].to_numpy(zero_copy_only=False))
    edges = [b["bin_low"] for b in histogram] + [histogram[-1]["bin_high"]]
    counts, _ = np.histogram(weights, bins=np.array(edges))
    above = [i for i, b in enumerate(histogram) if b["bin_low"] > weights.min()]
    assert len(above) >= 5  # enough bins to compare
    assert [histogram[i]["count"] for i in above] == [int(counts[i]) for i in above]


@pytest.mark.parametrize("backend", ["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def test_scoring_counts_every_blocked_pair_and_keeps_exactly_those_at_or_above_the_floor(
    sea, college, backend
):
    """Ours never stores the scored pairs; Splink's plain predict, every pair fetched from the
    same trained model, must give the same count, the same histogram and the same candidates."""
    sea_c, other_c = comparison_table(sea), comparison_table(college)
    floor, bins = 0.01, 40
    with backends.database_api(backend) as db_api:
        linker = sm.build_linker(sea_c, other_c, with_sex=True, db_api=db_api, backend=backend)
        sm.train(linker, u_max_pairs=1e5, seed=0, labels=None, deterministic_recall=0.8)
        scored = sm.predict(linker, floor=floor, bins=bins)
        every = linker.inference.predict().as_pyarrow_table()

    assert scored.blocked_pairs == every.num_rows > 0
    weights = np.asarray(every["match_weight"].to_numpy(zero_copy_only=False))
    edges = np.array([b["bin_low"] for b in scored.histogram] + [scored.histogram[-1]["bin_high"]])
    assert len(edges) == bins + 1 and len(set(np.diff(edges))) == 1  # equal widths
    assert edges[0] <= weights.min() and weights.max() < edges[-1]
    counts, _ = np.histogram(weights, bins=edges)
    assert [b["count"] for b in scored.histogram] == counts.tolist()

    def pairs(table: pa.Table) -> set:
        return set(
            zip(
                table["sea_id"].to_pylist(),
                table["other_id"].to_pylist(),
                table["match_probability"].to_pylist(),
                table["match_weight"].to_pylist(),
                strict=True,
            )
        )

    kept = every.filter(pc.greater_equal(every["match_probability"], floor))
    sea_left = pc.equal(kept["source_dataset_l"], sm.SEA_ALIAS)
    left, right = kept["person_id_l"], kept["person_id_r"]
    expected = kept.select(["match_probability", "match_weight"])
    expected = expected.append_column("sea_id", pc.if_else(sea_left, left, right))
    expected = expected.append_column("other_id", pc.if_else(sea_left, right, left))
    assert kept.num_rows == scored.candidates.num_rows > 0
    assert pairs(scored.candidates) == pairs(expected)


def test_charts_are_vega_lite_specs_holding_no_ids(result, tmp_path, sea):
    paths = lk.write_chart_specs(tmp_path, result.diagnostics)
    assert sorted(p.name for p in paths) == ["m_u_parameters.vl.json", "match_weights.vl.json"]
    text = "".join(p.read_text() for p in paths)
    assert all("vega-lite" in json.loads(p.read_text())["$schema"] for p in paths)
    assert not any(i in text for i in sea["person_id"].to_pylist()[:200])


def test_review_queue_holds_model_pairs_within_the_band_most_likely_first(result):
    queue = lk.review_queue(result, band=(0.01, 0.99))
    probs = queue["match_probability"].to_pylist()
    assert all(0.01 <= p < 0.99 for p in probs)
    assert probs == sorted(probs, reverse=True)
    assert set(queue.column_names) == {
        "sea_id",
        "other_id",
        "match_probability",
        "match_weight",
        "linked",
    }
    with pytest.raises(ValueError, match="band"):
        lk.review_queue(result, band=(0.9, 0.1))


def test_decisions_force_pairs_in_and_out_and_serve_as_labels(result, sea, college):
    linked = list(
        zip(result.pairs["sea_id"].to_pylist(), result.pairs["other_id"].to_pylist(), strict=True)
    )
    rejected = linked[0]
    # A pair the model would never make: two unlinked people.
    free_sea = sorted(set(sea["person_id"].to_pylist()) - {s for s, _ in linked})[0]
    free_other = sorted(set(college["person_id"].to_pylist()) - {o for _, o in linked})[0]
    labels = [(s, o, "match") for s, o in linked[1:25]]
    decisions = [(*rejected, "non_match"), (free_sea, free_other, "match"), *labels]
    config = lk.LinkageConfig(other_agency="postsecondary", min_labels=20)
    again = lk.link(sea, college, config=config, decisions=decisions)
    pairs = set(
        zip(again.pairs["sea_id"].to_pylist(), again.pairs["other_id"].to_pylist(), strict=True)
    )
    assert rejected not in pairs
    assert (free_sea, free_other) in pairs
    assert again.diagnostics.counts["labelled_pairs_used"] == 25
    assert again.diagnostics.counts["forced_non_matches"] == 1


def test_contradictory_decisions_are_refused_without_naming_anyone(sea, college):
    s, o = sea["person_id"][0].as_py(), college["person_id"][0].as_py()
    with pytest.raises(lk.DecisionError) as caught:
        lk.link(sea, college, decisions=[(s, o, "match"), (s, o, "non_match")])
    assert s not in str(caught.value) and o not in str(caught.value)
    with pytest.raises(lk.DecisionError, match="verdict"):
        lk.link(sea, college, decisions=[(s, o, "maybe")])


def test_repeated_person_ids_are_refused(sea, college):
    doubled = pa.concat_tables([sea.slice(0, 5), sea.slice(0, 5)])
    with pytest.raises(lk.LinkageInputError, match="repeats 5"):
        lk.link(doubled, college)
