"""A tiny warehouse for extract tests: three years of a few SEA students, their attendance, a
postsecondary file and a crosswalk, with names that must never reach an extract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from steward.dataplane.extract import Population, Variable
from steward.dataplane.keys import LocalKeyFile
from steward.dataplane.warehouse import Warehouse

NAME_MARKER = "Quillonbrae"
YEARS = (2016, 2017, 2018)
SEX = (("F", "Female"), ("M", "Male"))
RACE = (("HI", "Hispanic or Latino"), ("AS", "Asian"), ("BL", "Black"), ("WH", "White"))
GRADES = tuple((f"{g:02d}", f"Grade {g}") for g in range(1, 13))
SECTOR = (("PUB4", "Public 4-year"), ("PUB2", "Public 2-year"), ("PRIV", "Private"))


def make_warehouse(tmp_path: Path) -> Warehouse:
    keys = LocalKeyFile(tmp_path / "keys" / "keys.json")
    warehouse = Warehouse(tmp_path / "data", keys)
    for year in YEARS:
        n = 40
        ids = [f"{1000000000 + i}" for i in range(n)]
        warehouse.write_version(
            "sea",
            "enrollment",
            year,
            pa.table(
                {
                    "school_year": pa.array([year] * n, pa.int16()),
                    "student_id": ids,
                    "first_name": [f"{NAME_MARKER}{i}" for i in range(n)],
                    "last_name": [f"{NAME_MARKER}son{i}" for i in range(n)],
                    "birth_date": [dt.date(2005 + i % 3, 1 + i % 12, 1 + i % 27) for i in range(n)],
                    "sex": ["F" if i % 2 else "M" for i in range(n)],
                    "race_ethnicity": [RACE[i % 4][0] for i in range(n)],
                    "english_learner": [i % 5 == 0 for i in range(n)],
                    "grade": [f"{6 + (i + year - 2016) % 6:02d}" for i in range(n)],
                    "school_id": ["0001001" if i < 30 else "0002001" for i in range(n)],
                    "district_id": ["0001" if i < 30 else "0002" for i in range(n)],
                }
            ),
        )
        warehouse.write_version(
            "sea",
            "attendance",
            year,
            pa.table(
                {
                    "school_year": pa.array([year] * n, pa.int16()),
                    "student_id": ids,
                    "school_id": ["0001001" if i < 30 else "0002001" for i in range(n)],
                    "days_enrolled": pa.array([180] * n, pa.int16()),
                    "days_absent": pa.array([i % 30 for i in range(n)], pa.int16()),
                }
            ),
        )
    warehouse.write_version(
        "postsecondary",
        "enrollment",
        2018,
        pa.table(
            {
                "school_year": pa.array([2018] * 12, pa.int16()),
                "ps_student_id": [f"C{i:06d}" for i in range(12)],
                "first_name": [f"{NAME_MARKER}{i}" for i in range(12)],
                "sector": [SECTOR[i % 3][0] for i in range(12)],
                "credits_earned": pa.array([12 + i % 4 for i in range(12)], pa.int16()),
            }
        ),
    )
    return warehouse


def crosswalk() -> pa.Table:
    """The first ten college students are SEA students 0-9; the rest are from elsewhere."""
    rows = [("sea", f"{1000000000 + i}", f"M{i:04d}") for i in range(40)]
    rows += [("postsecondary", f"C{i:06d}", f"M{i:04d}") for i in range(10)]
    rows += [("postsecondary", f"C{i:06d}", f"M{100 + i:04d}") for i in range(10, 12)]
    agency, agency_id, master = zip(*rows, strict=True)
    return pa.table({"agency": agency, "agency_id": agency_id, "master_id": master})


def variable(agency, dataset, element, *, kind="string", identifier="none", codes=(), **kw):
    return Variable(
        agency=agency,
        dataset=dataset,
        element=element,
        first_year=kw.pop("first_year", 2016),
        last_year=kw.pop("last_year", 2018),
        label=kw.pop("label", element.replace("_", " ").capitalize()),
        definition=f"The {element}.",
        type=kind,
        identifier=identifier,
        codes=codes,
        population=kw.pop("population", Population()),
        **kw,
    )


# Every element the tiny warehouse holds, as the catalog would describe it.
CATALOG = {
    ("sea", "enrollment", "student_id"): {"identifier": "direct"},
    ("sea", "enrollment", "first_name"): {"identifier": "direct"},
    ("sea", "enrollment", "last_name"): {"identifier": "direct"},
    ("sea", "enrollment", "birth_date"): {"identifier": "direct", "kind": "date"},
    ("sea", "enrollment", "sex"): {"identifier": "quasi", "kind": "code", "codes": SEX},
    ("sea", "enrollment", "race_ethnicity"): {"identifier": "quasi", "kind": "code", "codes": RACE},
    ("sea", "enrollment", "english_learner"): {"identifier": "quasi", "kind": "boolean"},
    ("sea", "enrollment", "grade"): {"identifier": "quasi", "kind": "code", "codes": GRADES},
    ("sea", "enrollment", "school_id"): {"identifier": "quasi"},
    ("sea", "attendance", "school_id"): {"identifier": "quasi"},
    ("sea", "attendance", "days_enrolled"): {"kind": "integer"},
    ("sea", "attendance", "days_absent"): {"kind": "integer"},
    ("postsecondary", "enrollment", "sector"): {"kind": "code", "codes": SECTOR},
    ("postsecondary", "enrollment", "credits_earned"): {"kind": "integer"},
}


def catalog_variable(agency, dataset, element, **kw) -> Variable:
    described = dict(CATALOG[(agency, dataset, element)])
    described.update(kw)
    return variable(agency, dataset, element, **described)
