"""A small synthetic state as the report builder reads it: the SEA's files, the other agencies'
outcome records, and the links between them (here from the synthetic truth, where the platform
would use the accepted crosswalk)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

SEA = ("enrollment", "attendance", "assessments", "exits")
OPTIONS = pacsv.ConvertOptions(
    strings_can_be_null=False,
    column_types={
        "grade": pa.string(),
        "school_id": pa.string(),
        "district_id": pa.string(),
        "student_id": pa.string(),
        "sea_student_id": pa.string(),
    },
)


def _years(out: Path, agency: str, name: str, years: tuple[int, int]) -> pa.Table:
    return pa.concat_tables(
        pacsv.read_csv(out / agency / name / f"{year}.csv", convert_options=OPTIONS)
        for year in range(years[0], years[1] + 1)
    )


def _links(out: Path, agency: str, other: str) -> pa.Table:
    truth = pacsv.read_csv(out / "truth" / f"{agency}_links.csv", convert_options=OPTIONS)
    return pa.table(
        {
            "student_id": truth["sea_student_id"],
            "agency": pa.array([agency] * truth.num_rows),
            "other_id": truth[other],
        }
    )


def synthetic_tables(out: Path, *, students: int, years: tuple[int, int], seed: int) -> dict:
    from steward.dataplane.synth import generate

    generate(out, students=students, years=years, seed=seed)
    tables = {name: _years(out, "sea", name, years) for name in SEA}
    tables["ps_enrollment"] = _years(out, "postsecondary", "enrollment", years)
    tables["wages"] = _years(out, "workforce", "wages", years)
    tables["links"] = pa.concat_tables(
        [_links(out, "postsecondary", "ps_student_id"), _links(out, "workforce", "wf_person_id")]
    )
    return tables
