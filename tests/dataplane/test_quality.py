from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from steward.dataplane.quality import scorecard, trend
from steward.dataplane.validation import ValidationContext, parse_catalog, validate

GRADES = {"KG": "Kindergarten", **{f"{g:02d}": f"Grade {g}" for g in range(1, 13)}}


def element(name, type_, required=True, **extra):
    base = {
        "name": name,
        "label": name,
        "definition": name,
        "type": type_,
        "required": required,
        "classification": 2,
        "identifier": "none",
    }
    return {**base, **extra}


def dataset(code, key, elements):
    return {
        "code": code,
        "name": code,
        "purpose": "-",
        "frequency": "yearly",
        "due": "11-15",
        "years": "2018-2024",
        "key": key,
        "elements": elements,
    }


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
                dataset(
                    "enrollment",
                    ["student_id"],
                    [
                        element("student_id", "string"),
                        element("school_year", "integer"),
                        element("birth_date", "date"),
                        element("grade_level", "code", codes=GRADES),
                        element("sex", "code", required=False, codes={"F": "Female", "M": "Male"}),
                        element("gpa", "number", required=False, min=0, max=4.5),
                    ],
                ),
                dataset(
                    "schools",
                    ["school_id"],
                    [
                        element("school_id", "string"),
                        element("school_year", "integer"),
                    ],
                ),
            ],
        }
    ],
}


def good_rows(n: int, year: int = 2020) -> list[dict]:
    return [
        {
            "student_id": f"S{i:06d}",
            "school_year": str(year),
            "birth_date": f"2012-03-{1 + i % 28:02d}",
            "grade_level": "03",
            "sex": "FM"[i % 2],
            "gpa": "3.1",
        }
        for i in range(n)
    ]


def break_row(rows: list[dict], index: int, **values) -> list[dict]:
    rows[index].update(values)
    return rows


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns or list(rows[0]), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def prior_table(rows: list[dict], year: int) -> pa.Table:
    return pa.table(
        {
            "student_id": [r["student_id"] for r in rows],
            "school_year": [year] * len(rows),
            "birth_date": [date.fromisoformat(r["birth_date"]) for r in rows],
            "grade_level": ["02"] * len(rows),
        }
    )


def context(**extra) -> ValidationContext:
    return ValidationContext(**extra)


@pytest.fixture
def spec():
    return parse_catalog(CATALOG).dataset("sea", "enrollment")


def test_a_clean_file_on_time_scores_100_on_every_measured_item(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(20))
    ctx = context(prior=prior_table(good_rows(20, 2019), 2019))

    card = scorecard(validate(path, spec, 2020, received=date(2021, 11, 1), context=ctx))

    assert [m.percent for m in card.measures()] == [100.0] * 5
    assert card.completeness.denominator == 20 * 4  # four required elements
    assert card.uniqueness.numerator == 20
    assert card.consistency.denominator == 40  # birth date and grade, 20 students each
    assert card.timeliness.numerator == card.timeliness.denominator == 1


def test_each_measure_counts_its_failures(tmp_path, spec) -> None:
    rows = good_rows(10)
    break_row(rows, 0, birth_date="")  # incomplete
    break_row(rows, 1, gpa="9.9", sex="Q")  # two invalid cells
    break_row(rows, 2, student_id="S000003")  # rows 3 and 4 share a key
    break_row(rows, 5, birth_date="2001-01-01")  # inconsistent with last year
    path = write_csv(tmp_path / "2020.csv", rows)
    ctx = context(prior=prior_table(good_rows(10, 2019), 2019))

    card = scorecard(validate(path, spec, 2020, received=date(2021, 12, 1), context=ctx))

    assert (card.completeness.numerator, card.completeness.denominator) == (39, 40)
    assert card.validity.denominator - card.validity.numerator == 2
    assert (card.uniqueness.numerator, card.uniqueness.denominator) == (8, 10)
    # 9 birth dates (one empty) and 10 grades compared; row 3 now claims S000003, whose
    # birth date last year was another day, and row 6 changed its birth date.
    assert (card.consistency.numerator, card.consistency.denominator) == (17, 19)
    assert (card.timeliness.numerator, card.timeliness.percent) == (0, 0.0)
    assert card.completeness.percent == 97.5
    assert not card.accepted


def test_measures_without_anything_to_measure_have_no_percentage(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(5))

    card = scorecard(validate(path, spec, 2020))

    assert card.consistency.percent is None and card.consistency.denominator == 0
    assert card.timeliness.percent is None


def test_a_missing_required_column_counts_as_empty_cells(tmp_path, spec) -> None:
    columns = [c for c in good_rows(1)[0] if c != "birth_date"]
    path = write_csv(tmp_path / "2020.csv", good_rows(10), columns)

    card = scorecard(validate(path, spec, 2020, context=context()))

    assert (card.completeness.numerator, card.completeness.denominator) == (30, 40)


def test_a_trend_orders_years_and_gives_each_measure_a_series(tmp_path, spec) -> None:
    cards = []
    for year, late_days in ((2021, 0), (2019, 30), (2020, 0)):
        rows = [{**r, "school_year": str(year)} for r in good_rows(4, year)]
        if year == 2019:
            break_row(rows, 0, sex="Q")
        path = write_csv(tmp_path / f"{year}.csv", rows)
        received = date(year + 1, 11, 15).fromordinal(
            date(year + 1, 11, 15).toordinal() + late_days
        )
        cards.append(scorecard(validate(path, spec, year, received=received, context=context())))

    result = trend(cards)

    assert result.years == [2019, 2020, 2021]
    assert result.series("timeliness") == [0.0, 100.0, 100.0]
    assert result.series("validity")[0] < 100.0 == result.series("validity")[1]
    assert json.loads(json.dumps(result.to_dict()))["series"]["uniqueness"] == [100.0] * 3


def test_a_trend_refuses_two_datasets_or_two_cards_of_one_year(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(3))
    card = scorecard(validate(path, spec, 2020))
    other = parse_catalog(CATALOG).dataset("sea", "schools")
    schools = write_csv(
        tmp_path / "s.csv", [{"school_id": "1", "school_year": "2021", "school_name": "x"}]
    )

    with pytest.raises(ValueError, match="one scorecard per year"):
        trend([card, card])
    with pytest.raises(ValueError, match="covers one dataset"):
        trend([card, scorecard(validate(schools, other, 2021))])
    with pytest.raises(ValueError, match="unknown measure"):
        trend([card]).series("beauty")


def test_a_scorecard_is_json_serializable(tmp_path, spec) -> None:
    path = write_csv(tmp_path / "2020.csv", good_rows(3))

    data = json.loads(json.dumps(scorecard(validate(path, spec, 2020)).to_dict()))

    assert data["validity"] == {
        "name": "validity",
        "numerator": data["validity"]["denominator"],
        "denominator": data["validity"]["denominator"],
        "percent": 100.0,
        "unit": "cells",
    }
