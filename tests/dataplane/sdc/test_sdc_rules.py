from __future__ import annotations

import pytest

from steward.dataplane.sdc import DisclosureRules, RulesError, plain_language, strictest


def test_defaults_follow_the_acro_output_checker():
    rules = DisclosureRules()
    assert (rules.threshold, rules.dof, rules.n, rules.k, rules.p) == (10, 10, 2, 0.90, 0.10)
    assert rules.zeros_disclosive is True
    assert rules.rounding_base == 5


def test_rules_load_from_a_yaml_file(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("threshold: 11\nzeros_disclosive: false\n")
    rules = DisclosureRules.from_yaml(path)
    assert rules.threshold == 11 and rules.zeros_disclosive is False
    assert rules.dof == 10


def test_an_unknown_key_is_refused_by_name():
    with pytest.raises(RulesError, match="'treshold'"):
        DisclosureRules.from_mapping({"treshold": 5})


def test_a_bad_value_is_refused_by_name():
    with pytest.raises(RulesError, match="k must be"):
        DisclosureRules.from_mapping({"k": 1.5})
    with pytest.raises(RulesError, match="threshold"):
        DisclosureRules.from_mapping({"threshold": "ten"})


def test_strictest_takes_the_strictest_of_each_kind():
    sea = DisclosureRules(threshold=10, zeros_disclosive=False, k=0.9, p=0.1, rounding_base=5)
    higher_ed = DisclosureRules(threshold=16, zeros_disclosive=True, k=0.8, p=0.05, dof=20)
    combined = strictest([sea, higher_ed])
    assert combined.threshold == 16
    assert combined.zeros_disclosive is True
    assert combined.k == 0.8 and combined.p == 0.1
    assert combined.dof == 20 and combined.rounding_base == 5


def test_plain_language_describes_the_threshold_and_rounding():
    text = plain_language(DisclosureRules(threshold=11, rounding_base=10))
    assert "fewer than 11 students" in text
    assert "nearest 10" in text
