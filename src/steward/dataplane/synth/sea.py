"""The SEA's yearly files, as the Department of Education's systems would export them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .columns import IdScheme, codes, dates, names
from .directory import GRADE_CODES, LEVELS, Directory
from .schoolyear import performance_level
from .students import EXIT_CODES, RACE_CODES, Population, YearRecords


def _year_column(year: int, n: int) -> pa.Array:
    return pa.array(np.full(n, year, dtype=np.int16))


def districts_table(directory: Directory, year: int) -> pa.Table:
    """The district directory of ``year``."""
    n = directory.district_id.shape[0]
    return pa.table(
        {
            "school_year": _year_column(year, n),
            "district_id": pa.array(directory.district_id, pa.string()),
            "district_name": pa.array(directory.district_name, pa.string()),
            "region": pa.array(directory.district_region, pa.string()),
            "locale": pa.array(directory.district_locale, pa.string()),
        }
    )


def schools_table(directory: Directory, year: int) -> pa.Table:
    """The school directory of ``year``."""
    n = directory.school_id.shape[0]
    low = [GRADE_CODES[LEVELS[lv][0]] for lv in directory.school_level]
    high = [GRADE_CODES[LEVELS[lv][1]] for lv in directory.school_level]
    return pa.table(
        {
            "school_year": _year_column(year, n),
            "school_id": pa.array(directory.school_id, pa.string()),
            "school_name": pa.array(directory.school_name, pa.string()),
            "district_id": pa.array(directory.district_id[directory.school_district], pa.string()),
            "school_level": pa.array(directory.school_level, pa.string()),
            "lowest_grade": pa.array(low, pa.string()),
            "highest_grade": pa.array(high, pa.string()),
            "locale": pa.array(directory.district_locale[directory.school_district], pa.string()),
        }
    )


class SeaTables:
    """Turns a year's records into the SEA's enrollment, assessment, attendance and exit files."""

    def __init__(self, pop: Population, ids: IdScheme):
        self.pop, self.ids = pop, ids
        self.first = pa.array(pop.pools.first, pa.string())
        self.last = pa.array(pop.pools.last, pa.string())
        d = pop.directory
        self.school_id = pa.array(d.school_id, pa.string())
        self.district_id = pa.array(d.district_id[d.school_district], pa.string())

    def enrollment(self, rec: YearRecords) -> pa.Table:
        """One row per enrolled student on the fall snapshot day."""
        p, w = self.pop, rec.who
        return pa.table(
            {
                "school_year": _year_column(rec.year, w.shape[0]),
                "student_id": self.ids.strings(w),
                "first_name": names(self.first, p["first"][w]),
                "middle_name": names(self.first, p["middle"][w]),
                "last_name": names(self.last, p["last"][w]),
                "birth_date": dates(p["birth"][w]),
                "sex": codes(("F", "M"), p["male"][w].astype(np.int8)),
                "race_ethnicity": codes(RACE_CODES, p["race"][w]),
                "english_learner": pa.array(p["el"][w]),
                "disability": pa.array(p["swd"][w]),
                "economically_disadvantaged": pa.array(p["disadv"][w]),
                "homeless": pa.array(rec.homeless),
                "foster_care": pa.array(rec.foster),
                "migrant": pa.array(p["migrant"][w]),
                "grade": codes(GRADE_CODES, rec.grade),
                "school_id": self.school_id.take(pa.array(rec.school)),
                "district_id": self.district_id.take(pa.array(rec.school)),
            }
        )

    def attendance(self, rec: YearRecords) -> pa.Table:
        """Days enrolled and absent, one row per enrolled student."""
        w = rec.who
        return pa.table(
            {
                "school_year": _year_column(rec.year, w.shape[0]),
                "student_id": self.ids.strings(w),
                "school_id": self.school_id.take(pa.array(rec.school)),
                "days_enrolled": pa.array(rec.days_enrolled.astype(np.int16)),
                "days_absent": pa.array(rec.days_absent.astype(np.int16)),
            }
        )

    def assessments(self, rec: YearRecords) -> pa.Table:
        """Math and reading results, one row per tested student and subject."""
        t = rec.tested_who
        n = t.shape[0]
        who = np.concatenate([rec.who[t], rec.who[t]])
        grade = np.concatenate([rec.grade[t], rec.grade[t]])
        school = np.concatenate([rec.school[t], rec.school[t]])
        score = np.concatenate([rec.math_score, rec.reading_score])
        subject = np.repeat(np.array([0, 1], dtype=np.int8), n)
        return pa.table(
            {
                "school_year": _year_column(rec.year, 2 * n),
                "student_id": self.ids.strings(who),
                "school_id": self.school_id.take(pa.array(school)),
                "grade": codes(GRADE_CODES, grade),
                "subject": codes(("MATH", "READ"), subject),
                "scale_score": pa.array(score.astype(np.int16)),
                "performance_level": pa.array(performance_level(grade, score).astype(np.int8)),
            }
        )

    def exits(self, rec: YearRecords) -> pa.Table:
        """Students who left during the year: graduated, dropped out, transferred out of state."""
        pos = rec.exit_pos
        return pa.table(
            {
                "school_year": _year_column(rec.year, pos.shape[0]),
                "student_id": self.ids.strings(rec.who[pos]),
                "school_id": self.school_id.take(pa.array(rec.school[pos])),
                "grade": codes(GRADE_CODES, rec.grade[pos]),
                "exit_type": codes(EXIT_CODES, rec.exit_type),
                "exit_date": dates(rec.exit_date),
            }
        )
