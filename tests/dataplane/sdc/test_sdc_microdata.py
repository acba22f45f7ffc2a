from __future__ import annotations

import numpy as np
import pyarrow as pa

from steward.dataplane.sdc.microdata import (
    anonymize,
    bands,
    class_sizes,
    hierarchy_up,
    k_anonymity,
    l_diversity,
)

# Five invented records: two share (20, North), three share (31, South).
RECORDS = {
    "age": np.array([20, 20, 31, 31, 31]),
    "region": np.array(["North", "North", "South", "South", "South"]),
    "outcome": np.array(["pass", "fail", "pass", "pass", "pass"]),
}


def test_k_anonymity_is_the_smallest_class_on_a_hand_example():
    assert class_sizes(RECORDS, ["age", "region"]).tolist() == [2, 2, 3, 3, 3]
    assert k_anonymity(RECORDS, ["age", "region"]) == 2
    assert k_anonymity(RECORDS, ["region"]) == 2
    assert k_anonymity(RECORDS, ["age", "region", "outcome"]) == 1


def test_l_diversity_counts_distinct_sensitive_values_per_class():
    assert l_diversity(RECORDS, ["age", "region"], "outcome") == 1


def test_pyarrow_tables_are_measured_the_same_way():
    table = pa.table(RECORDS)
    assert k_anonymity(table, ["age", "region"]) == 2


def test_generalization_reaches_k_and_reports_what_was_lost():
    rng = np.random.default_rng(5)
    ages = rng.integers(5, 19, 400)
    schools = rng.choice(["S1", "S2", "S3", "S4"], 400, p=[0.45, 0.45, 0.07, 0.03])
    data = {"age": ages, "school": schools}
    generalizers = {
        "age": bands([2, 5]),
        "school": hierarchy_up({"S1": "D1", "S2": "D1", "S3": "D2", "S4": "D2"}, 1),
    }
    result = anonymize(data, ["age", "school"], k=10, generalizers=generalizers)
    assert k_anonymity(result.columns, ["age", "school"]) >= 10
    report = result.report
    assert report["records"] == 400
    assert report["records_suppressed"] <= 0.05 * 400
    assert report["distinct_after"]["age"] < report["distinct_before"]["age"]
