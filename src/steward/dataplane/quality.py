"""Quality scorecards per dataset and year, and their trend across years.

Each measure is a percentage with its numerator and denominator, computed from a validation
report alone, so a refused file gets a scorecard too (it has no table in the warehouse).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from steward.dataplane.validation.report import ValidationReport

MEASURES = ("completeness", "validity", "uniqueness", "consistency", "timeliness")
CONSISTENCY_RULES = ("birth_date_stable", "grade_progression")


@dataclass(frozen=True)
class Measure:
    """One measure: ``numerator`` of ``denominator`` pass; percent None when nothing to measure."""

    name: str
    numerator: int
    denominator: int
    percent: float | None
    unit: str

    @classmethod
    def of(cls, name: str, numerator: int, denominator: int, unit: str) -> Measure:
        """Build a measure, rounding the percentage to two decimals."""
        percent = round(100 * numerator / denominator, 2) if denominator else None
        return cls(name, numerator, denominator, percent, unit)


@dataclass(frozen=True)
class Scorecard:
    """The five quality measures of one file of one dataset and year."""

    agency: str
    dataset: str
    year: int
    rows: int
    accepted: bool
    file_sha256: str
    completeness: Measure
    validity: Measure
    uniqueness: Measure
    consistency: Measure
    timeliness: Measure

    def measures(self) -> list[Measure]:
        """The measures in their usual order."""
        return [getattr(self, name) for name in MEASURES]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def scorecard(report: ValidationReport) -> Scorecard:
    """Score one validated file."""
    return Scorecard(
        agency=report.agency,
        dataset=report.dataset,
        year=report.year,
        rows=report.rows,
        accepted=report.accepted,
        file_sha256=report.file_sha256,
        completeness=_completeness(report),
        validity=_validity(report),
        uniqueness=_uniqueness(report),
        consistency=_consistency(report),
        timeliness=_timeliness(report),
    )


def _completeness(report: ValidationReport) -> Measure:
    # Optional elements may rightly be empty; only required ones count against completeness.
    required = [c for c in report.columns if c.required]
    filled = sum(c.non_empty for c in required)
    return Measure.of("completeness", filled, report.rows * len(required), "cells")


def _validity(report: ValidationReport) -> Measure:
    filled = sum(c.non_empty for c in report.columns if c.present)
    invalid = sum(c.invalid for c in report.columns if c.present)
    return Measure.of("validity", filled - invalid, filled, "cells")


def _uniqueness(report: ValidationReport) -> Measure:
    result = report.result("unique_key")
    if result is None:
        return Measure.of("uniqueness", 0, 0, "rows")
    return Measure.of("uniqueness", result.checked - result.failing, result.checked, "rows")


def _consistency(report: ValidationReport) -> Measure:
    results = [r for r in report.results if r.rule in CONSISTENCY_RULES]
    checked = sum(r.checked for r in results)
    failing = sum(r.failing for r in results)
    return Measure.of("consistency", checked - failing, checked, "comparisons with prior years")


def _timeliness(report: ValidationReport) -> Measure:
    result = report.result("timeliness")
    if result is None:
        return Measure.of("timeliness", 0, 0, "files")
    return Measure.of("timeliness", result.checked - result.failing, result.checked, "files")


@dataclass(frozen=True)
class Trend:
    """Scorecards of one dataset across years, oldest first."""

    agency: str
    dataset: str
    scorecards: list[Scorecard]

    @property
    def years(self) -> list[int]:
        """The years covered."""
        return [card.year for card in self.scorecards]

    def series(self, measure: str) -> list[float | None]:
        """One measure's percentage for each year, in year order."""
        if measure not in MEASURES:
            raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
        return [getattr(card, measure).percent for card in self.scorecards]

    def to_dict(self) -> dict:
        """A JSON-ready dict: the years, each measure's series, and the full scorecards."""
        return {
            "agency": self.agency,
            "dataset": self.dataset,
            "years": self.years,
            "series": {m: self.series(m) for m in MEASURES},
            "scorecards": [card.to_dict() for card in self.scorecards],
        }


def trend(cards: Iterable[Scorecard]) -> Trend:
    """Order one dataset's scorecards by year; refuse a mix of datasets or two cards of a year."""
    cards = sorted(cards, key=lambda card: card.year)
    if not cards:
        raise ValueError("a trend needs at least one scorecard")
    datasets = {(card.agency, card.dataset) for card in cards}
    if len(datasets) > 1:
        raise ValueError(
            "a trend covers one dataset; got " + ", ".join(sorted(map("/".join, datasets)))
        )
    years = [card.year for card in cards]
    if len(set(years)) != len(years):
        raise ValueError("a trend takes one scorecard per year (the version in use)")
    return Trend(cards[0].agency, cards[0].dataset, cards)
