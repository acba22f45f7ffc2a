"""K-12 students followed year by year: entry, programs, attendance, tests, moves and exits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .columns import day_number
from .directory import GRADES, Directory
from .names import NamePools

RACE_CODES = ("HI", "AM", "AS", "BL", "PI", "WH", "MU")
# Race/ethnicity shares by district locale, in RACE_CODES order.
RACE_BY_LOCALE = {
    "CITY": (0.30, 0.01, 0.07, 0.28, 0.005, 0.28, 0.055),
    "SUBURB": (0.16, 0.01, 0.07, 0.10, 0.005, 0.60, 0.055),
    "TOWN": (0.14, 0.02, 0.02, 0.06, 0.003, 0.70, 0.057),
    "RURAL": (0.09, 0.06, 0.01, 0.03, 0.002, 0.76, 0.048),
}
DISADVANTAGED_BY_LOCALE = {"CITY": 0.65, "SUBURB": 0.30, "TOWN": 0.45, "RURAL": 0.50}
EXIT_NONE, EXIT_GRADUATED, EXIT_DROPPED_OUT, EXIT_TRANSFERRED = 0, 1, 2, 3
EXIT_CODES = ("", "GRAD", "DROP", "TOUT")
SCHOOL_DAYS = 180
TRANSFER_OUT_RATE = 0.025
IN_MIGRATION_RATE = 0.025
# Absence rises in secondary grades and rose sharply after the 2020 school closures.
GRADE_ABSENCE = np.array([1.15, 1, 1, 1, 1, 1, 1.1, 1.1, 1.1, 1.2, 1.35, 1.35, 1.35])
YEAR_ABSENCE = {2020: 1.2, 2021: 1.6, 2022: 1.45, 2023: 1.3, 2024: 1.2}
YEAR_SCORE_SHIFT = {2020: -0.1, 2021: -0.2, 2022: -0.15, 2023: -0.1, 2024: -0.05}
TESTED_GRADES = (3, 4, 5, 6, 7, 8, 11)
SCORE_SD = 50.0
SCORE_MIN, SCORE_MAX = 200, 800
LEVEL_CUTS = np.array([-0.7, 0.2, 1.1])  # in standard deviations from the grade's mean


def grade_mean(grade: np.ndarray) -> np.ndarray:
    """Mean scale score by grade on the vertical scale."""
    return 400.0 + 20.0 * (grade - 3)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class YearRecords:
    """One school year's student-level facts, as index arrays into the population."""

    year: int
    who: np.ndarray
    grade: np.ndarray
    school: np.ndarray
    homeless: np.ndarray
    foster: np.ndarray
    days_enrolled: np.ndarray
    days_absent: np.ndarray
    tested_who: np.ndarray  # positions into ``who``
    math_score: np.ndarray
    reading_score: np.ndarray
    exit_pos: np.ndarray  # positions into ``who``
    exit_type: np.ndarray
    exit_date: np.ndarray


class Population:
    """Every student ever enrolled, as growing arrays; state advances one school year at a time."""

    def __init__(self, pools: NamePools, directory: Directory, target: int):
        self.pools, self.directory, self.target = pools, directory, target
        self.cols: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return 0 if not self.cols else self.cols["birth"].shape[0]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def add(self, rng: np.random.Generator, grades: np.ndarray, year: int) -> None:
        """Create students who enter in ``year`` at ``grades``."""
        new = _new_students(rng, self.pools, self.directory, grades, year)
        if not self.cols:
            self.cols = new
        else:
            self.cols = {k: np.concatenate([self.cols[k], new[k]]) for k in self.cols}


def _birth_days(rng: np.random.Generator, grades: np.ndarray, year: int) -> np.ndarray:
    # Age 5 by September 1 of the kindergarten year; a few start a year late.
    n = grades.shape[0]
    start = np.array([day_number(year - g - 6, 9, 1) for g in range(GRADES)])[grades]
    late = (rng.random(n) < 0.04) * 365
    return start + rng.integers(0, 365, n) - late


def _new_students(
    rng: np.random.Generator, pools: NamePools, directory: Directory, grades: np.ndarray, year: int
) -> dict[str, np.ndarray]:
    n = grades.shape[0]
    district = rng.choice(directory.district_id.shape[0], size=n, p=directory.district_share)
    locale = directory.district_locale[district]
    male = rng.random(n) < 0.51
    race = np.empty(n, dtype=np.int8)
    disadv_p = np.empty(n)
    for name, shares in RACE_BY_LOCALE.items():
        here = locale == name
        race[here] = rng.choice(
            len(RACE_CODES), size=int(here.sum()), p=np.array(shares) / sum(shares)
        )
        disadv_p[here] = DISADVANTAGED_BY_LOCALE[name]
    disadv = rng.random(n) < disadv_p
    hisp_or_asian = (race == 0) | (race == 2)
    el = rng.random(n) < np.where(hisp_or_asian, 0.28, 0.02) * np.where(grades < 6, 1.0, 0.5)
    swd = rng.random(n) < np.where(male, 0.18, 0.10)
    ability = rng.normal(0, 1, n) - 0.35 * disadv - 0.6 * swd - 0.3 * el
    absence = np.exp(np.log(0.032) + 0.5 * disadv + 0.25 * swd + 0.55 * rng.normal(0, 1, n))
    middle = pools.draw_first(rng, male)
    middle[rng.random(n) < 0.15] = -1
    return {
        "male": male,
        "first": pools.draw_first(rng, male),
        "middle": middle,
        "last": pools.draw_last(rng, n),
        "birth": _birth_days(rng, grades, year).astype(np.int32),
        "race": race,
        "ability": ability.astype(np.float32),
        "absence": absence.astype(np.float32),
        "el": el,
        "swd": swd,
        "disadv": disadv,
        "migrant": rng.random(n) < np.where((locale == "RURAL") & (race == 0), 0.08, 0.002),
        "foster_prone": rng.random(n) < 0.008,
        "grade": grades.astype(np.int8),
        "district": district.astype(np.int32),
        "u": rng.random(n),
        "active": np.ones(n, dtype=bool),
        "repeated_12": np.zeros(n, dtype=bool),
        "entry_year": np.full(n, year, dtype=np.int16),
        "exit_year": np.full(n, -1, dtype=np.int16),
        "exit_type": np.zeros(n, dtype=np.int8),
        "ms_enrolled": np.zeros(n, dtype=np.int32),
        "ms_absent": np.zeros(n, dtype=np.int32),
    }


def initial_population(
    rng: np.random.Generator, pools: NamePools, directory: Directory, students: int, year: int
) -> Population:
    """The students enrolled in the first year, spread over grades K-12."""
    pop = Population(pools, directory, students)
    pop.add(rng, rng.integers(0, GRADES, students), year)
    return pop
