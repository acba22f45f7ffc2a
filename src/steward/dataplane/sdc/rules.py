"""Disclosure rules as configuration: defaults, validation, combining agencies' rules."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml


class RulesError(ValueError):
    """A rules mapping that cannot be used; the message names the offending key."""


@dataclass(frozen=True)
class DisclosureRules:
    """The thresholds a table or output must meet, named as in the ACRO output checker."""

    threshold: int = 10
    zeros_disclosive: bool = True
    rate_low: float = 0.05
    rate_high: float = 0.95
    rate_group_size: int = 300
    rounding_base: int = 5
    n: int = 2
    k: float = 0.90
    p: float = 0.10
    dof: int = 10

    def __post_init__(self) -> None:
        _check_int(self, "threshold", minimum=1)
        _check_int(self, "rounding_base", minimum=1)
        _check_int(self, "n", minimum=1)
        _check_int(self, "dof", minimum=0)
        _check_int(self, "rate_group_size", minimum=0)
        if not isinstance(self.zeros_disclosive, bool):
            raise RulesError("zeros_disclosive must be true or false")
        for name in ("k", "p", "rate_low", "rate_high"):
            _check_fraction(self, name)
        if self.rate_low >= self.rate_high:
            raise RulesError("rate_low must be below rate_high")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> DisclosureRules:
        """Build rules from a mapping (a parsed YAML document); unknown keys are refused."""
        if not isinstance(mapping, Mapping):
            raise RulesError("rules must be a mapping of names to values")
        known = {f.name for f in fields(cls)}
        for key in mapping:
            if key not in known:
                raise RulesError(f"unknown rule {key!r}; known rules: {', '.join(sorted(known))}")
        return cls(**dict(mapping))

    @classmethod
    def from_yaml(cls, path: str | Path) -> DisclosureRules:
        """Read rules from a YAML file holding one mapping (an empty file means defaults)."""
        with open(path, encoding="utf-8") as handle:
            loaded = yaml.safe_load(handle)
        return cls.from_mapping(loaded or {})

    def to_dict(self) -> dict[str, Any]:
        """The rules as a JSON-serializable dict."""
        return dataclasses.asdict(self)


def _check_int(rules: DisclosureRules, name: str, minimum: int) -> None:
    value = getattr(rules, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RulesError(f"{name} must be a whole number of at least {minimum}")


def _check_fraction(rules: DisclosureRules, name: str) -> None:
    value = getattr(rules, name)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise RulesError(f"{name} must be a number between 0 and 1")


def strictest(rules_list: Iterable[DisclosureRules]) -> DisclosureRules:
    """Combine several agencies' rules, keeping the strictest of each kind."""
    rules = list(rules_list)
    if not rules:
        raise RulesError("strictest() needs at least one set of rules")
    return DisclosureRules(
        threshold=max(r.threshold for r in rules),
        zeros_disclosive=any(r.zeros_disclosive for r in rules),
        rate_low=max(r.rate_low for r in rules),
        rate_high=min(r.rate_high for r in rules),
        rate_group_size=max(r.rate_group_size for r in rules),
        rounding_base=math.lcm(*(r.rounding_base for r in rules)),
        # Fewer contributors allowed to dominate, and a lower share, is stricter.
        n=min(r.n for r in rules),
        k=min(r.k for r in rules),
        p=max(r.p for r in rules),
        dof=max(r.dof for r in rules),
    )


def plain_language(rules: DisclosureRules) -> str:
    """Describe the rules for the public portal, without jargon."""
    zeros = (
        "Cells showing zero are also hidden, because a zero can reveal something about everyone "
        "in a group."
        if rules.zeros_disclosive
        else "Cells showing zero are published."
    )
    low, high = round(rules.rate_low * 100), round(rules.rate_high * 100)
    return " ".join(
        [
            f"We never publish a number that describes fewer than {rules.threshold} students.",
            zeros,
            "When one number is hidden, we also hide enough others that it cannot be worked out "
            "from the totals, and we check this by computer before anything is released.",
            f"Published counts are rounded to the nearest {rules.rounding_base}.",
            f"For groups of fewer than {rules.rate_group_size} students, rates at or below "
            f"{low}% or at or above {high}% are shown as \u2264{low}% or \u2265{high}%.",
            f"For totals such as dollars or hours, no result is published when the largest "
            f"{rules.n} contributors make up more than {round(rules.k * 100)}% of it, or when one "
            f"contributor's share could be estimated within {round(rules.p * 100)}%.",
            f"Statistical models must leave at least {rules.dof} degrees of freedom.",
        ]
    )
