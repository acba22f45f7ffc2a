"""One school year of the K-12 simulation: what happened, then the move to the next year."""

from __future__ import annotations

import numpy as np

from .columns import day_number
from .directory import GRADES
from .students import (
    EXIT_DROPPED_OUT,
    EXIT_GRADUATED,
    EXIT_NONE,
    EXIT_TRANSFERRED,
    GRADE_ABSENCE,
    IN_MIGRATION_RATE,
    LEVEL_CUTS,
    SCHOOL_DAYS,
    SCORE_MAX,
    SCORE_MIN,
    SCORE_SD,
    TESTED_GRADES,
    TRANSFER_OUT_RATE,
    YEAR_ABSENCE,
    YEAR_SCORE_SHIFT,
    Population,
    YearRecords,
    grade_mean,
    sigmoid,
)


def simulate_year(pop: Population, year: int, rng: np.random.Generator) -> YearRecords:
    """Enrollment, attendance, tests and exits of the students active in ``year``."""
    who = np.flatnonzero(pop["active"])
    grade = pop["grade"][who].astype(np.int64)
    school = pop.directory.place(pop["district"][who], grade, pop["u"][who])
    n = who.shape[0]
    disadv = pop["disadv"][who]
    homeless = rng.random(n) < 0.01 + 0.035 * disadv
    foster = pop["foster_prone"][who] & (rng.random(n) < 0.6)
    rate = pop["absence"][who] * GRADE_ABSENCE[grade] * YEAR_ABSENCE.get(year, 1.0)
    rate = np.minimum(0.9, rate * np.exp(0.3 * rng.normal(0, 1, n)) * (1 + 0.5 * homeless))
    exit_type, exit_date = _exits(pop, who, grade, rate, year, rng)
    days_enrolled = _days_enrolled(exit_type, exit_date, year, rng)
    days_absent = rng.binomial(days_enrolled, rate)
    tested, math, reading = _assessments(pop, who, grade, exit_type, exit_date, year, rng)
    exit_pos = np.flatnonzero(exit_type != EXIT_NONE)
    return YearRecords(
        year=year,
        who=who,
        grade=grade,
        school=school,
        homeless=homeless,
        foster=foster,
        days_enrolled=days_enrolled,
        days_absent=days_absent,
        tested_who=tested,
        math_score=math,
        reading_score=reading,
        exit_pos=exit_pos,
        exit_type=exit_type[exit_pos],
        exit_date=exit_date[exit_pos],
    )


def _exits(
    pop: Population,
    who: np.ndarray,
    grade: np.ndarray,
    rate: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    n = who.shape[0]
    ability = pop["ability"][who]
    disadv = pop["disadv"][who]
    age = (day_number(year, 9, 1) - pop["birth"][who]) / 365.25
    kind = np.zeros(n, dtype=np.int8)
    date = np.zeros(n, dtype=np.int64)
    moved = rng.random(n) < TRANSFER_OUT_RATE
    kind[moved] = EXIT_TRANSFERRED
    date[moved] = day_number(year, 9, 15) + rng.integers(0, 255, int(moved.sum()))
    risk = sigmoid(-4.6 + 12 * (rate - 0.06) - 0.5 * ability + 0.4 * disadv + 0.6 * (age > 17.5))
    dropped = (kind == EXIT_NONE) & (grade >= 9) & (age >= 16) & (rng.random(n) < risk)
    kind[dropped] = EXIT_DROPPED_OUT
    date[dropped] = day_number(year, 10, 1) + rng.integers(0, 225, int(dropped.sum()))
    senior = (kind == EXIT_NONE) & (grade == 12)
    p_grad = sigmoid(2.4 + 0.8 * ability - 0.4 * disadv - 8 * (rate - 0.06))
    grad = senior & (rng.random(n) < p_grad)
    kind[grad] = EXIT_GRADUATED
    date[grad] = day_number(year + 1, 6, 1) + rng.integers(0, 10, int(grad.sum()))
    # Seniors who do not graduate repeat once; after a second try they leave.
    stuck = senior & ~grad
    leave = stuck & (pop["repeated_12"][who] | (rng.random(n) < 0.5))
    kind[leave] = EXIT_DROPPED_OUT
    date[leave] = day_number(year + 1, 6, 5)
    return kind, date


def _days_enrolled(
    exit_type: np.ndarray, exit_date: np.ndarray, year: int, rng: np.random.Generator
) -> np.ndarray:
    start, end = day_number(year, 8, 25), day_number(year + 1, 6, 5)
    n = exit_type.shape[0]
    days = np.full(n, SCHOOL_DAYS, dtype=np.int64)
    late = rng.random(n) < 0.04  # enrolled after the first day
    days[late] = rng.integers(100, SCHOOL_DAYS, int(late.sum()))
    left = exit_type != EXIT_NONE
    share = np.clip((exit_date[left] - start) / (end - start), 0.0, 1.0)
    days[left] = np.minimum(days[left], np.round(SCHOOL_DAYS * share).astype(np.int64))
    return np.maximum(days, 1)


def _assessments(
    pop: Population,
    who: np.ndarray,
    grade: np.ndarray,
    exit_type: np.ndarray,
    exit_date: np.ndarray,
    year: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    present = (exit_type == EXIT_NONE) | (exit_date >= day_number(year + 1, 4, 1))
    tested = np.flatnonzero(
        np.isin(grade, TESTED_GRADES) & present & (rng.random(grade.shape[0]) < 0.97)
    )
    idx = who[tested]
    base = pop["ability"][idx] + YEAR_SCORE_SHIFT.get(year, 0.0)
    math = base + 0.45 * rng.normal(0, 1, idx.shape[0])
    reading = base - 0.3 * pop["el"][idx] + 0.45 * rng.normal(0, 1, idx.shape[0])
    mean = grade_mean(grade[tested])
    return tested, _score(mean, math), _score(mean, reading)


def _score(mean: np.ndarray, z: np.ndarray) -> np.ndarray:
    return np.clip(np.round(mean + SCORE_SD * z), SCORE_MIN, SCORE_MAX).astype(np.int32)


def performance_level(grade: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Levels 1-4 from the grade's cut scores."""
    cuts = grade_mean(grade)[:, None] + SCORE_SD * LEVEL_CUTS[None, :]
    return 1 + (score[:, None] >= cuts).sum(axis=1)


def advance(
    pop: Population, rec: YearRecords, rng: np.random.Generator, *, admit: bool = True
) -> None:
    """Close the year: record exits and middle-school attendance; then promote, move, admit."""
    year = rec.year
    who = rec.who
    middle = (rec.grade >= 6) & (rec.grade <= 8)
    pop["ms_enrolled"][who[middle]] += rec.days_enrolled[middle].astype(np.int32)
    pop["ms_absent"][who[middle]] += rec.days_absent[middle].astype(np.int32)
    gone = who[rec.exit_pos]
    pop["active"][gone] = False
    pop["exit_year"][gone] = year
    pop["exit_type"][gone] = rec.exit_type
    if not admit:
        return
    stay = np.setdiff1d(who, gone, assume_unique=True)
    _promote(pop, stay, rng)
    _move(pop, stay, rng)
    _drift(pop, stay, rng)
    n_k = round(pop.target / GRADES)
    n_in = round(pop.target * IN_MIGRATION_RATE)
    grades = np.concatenate([np.zeros(n_k, dtype=np.int64), rng.integers(1, GRADES, n_in)])
    pop.add(rng, grades, year + 1)


def _promote(pop: Population, stay: np.ndarray, rng: np.random.Generator) -> None:
    grade = pop["grade"][stay].astype(np.int64)
    n = stay.shape[0]
    p_retain = np.where(grade == 9, 0.06, np.where(grade >= 10, 0.03, 0.015))
    p_retain = p_retain + 0.04 * (pop["ability"][stay] < -1.5)
    senior = grade == 12  # still here: a senior who did not graduate repeats the year
    retained = senior | (rng.random(n) < p_retain)
    pop["repeated_12"][stay[senior]] = True
    pop["grade"][stay] = np.where(retained, grade, grade + 1).astype(np.int8)


def _move(pop: Population, stay: np.ndarray, rng: np.random.Generator) -> None:
    n = stay.shape[0]
    r = rng.random(n)
    across = stay[r < 0.04]
    share = pop.directory.district_share
    pop["district"][across] = rng.choice(share.shape[0], size=across.shape[0], p=share)
    # Moving districts or houses changes the school; the draw u is the student's address.
    changed = stay[r < 0.10]
    pop["u"][changed] = rng.random(changed.shape[0])


def _drift(pop: Population, stay: np.ndarray, rng: np.random.Generator) -> None:
    n = stay.shape[0]
    flip = stay[rng.random(n) < 0.04]
    pop["disadv"][flip] = ~pop["disadv"][flip]
    reclassified = stay[rng.random(n) < 0.12]
    pop["el"][reclassified] = False
    ability = pop["ability"][stay]
    pop["ability"][stay] = (0.97 * ability + 0.2 * rng.normal(0, 1, n)).astype(np.float32)
