"""The Higher Education Commission: who enrolls in college, where, how long, what degree."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .columns import IdScheme, codes, dates, day_number
from .config import ErrorRates
from .errors import key_in
from .students import EXIT_DROPPED_OUT, EXIT_GRADUATED, Population, sigmoid

SECTORS = ("PUB4", "PUB2", "PRIV")
TERMS = ("FA", "SP")
DEGREES = ("", "CERT", "AA", "BA")
NO_DEGREE, CERTIFICATE, ASSOCIATE, BACHELOR = 0, 1, 2, 3
# (institution id, name, sector index, weight within sector)
INSTITUTIONS = (
    ("100101", "Lakeland State University", 0, 0.35),
    ("100102", "University of Lakeland", 0, 0.30),
    ("100103", "Harbor City State University", 0, 0.20),
    ("100104", "North Lakeland University", 0, 0.15),
    ("100201", "Harbor City Community College", 1, 0.30),
    ("100202", "Central Lakeland Community College", 1, 0.20),
    ("100203", "Southern Lakeland Community College", 1, 0.20),
    ("100204", "North Woods Technical College", 1, 0.15),
    ("100205", "Lakeshore Technical College", 1, 0.15),
    ("100301", "St. Brendan College", 2, 0.30),
    ("100302", "Lakeland Christian University", 2, 0.25),
    ("100303", "Ashford College of Art and Design", 2, 0.15),
    ("100304", "Marlow College", 2, 0.30),
)
OUTSIDER_SHARE = 0.3  # students from out of state or out of the window, with no SEA record


@dataclass
class Spells:
    """Continuous enrollments at one institution: who, where, from when, how long, what degree."""

    person: np.ndarray  # index into postsecondary persons
    institution: np.ndarray
    first_term: np.ndarray  # 2 * year + (0 fall, 1 spring)
    terms: np.ndarray
    degree: np.ndarray
    full_time: np.ndarray
    ability: np.ndarray


@dataclass
class CollegeHistory:
    """What workforce needs to know of each SEA student's college years (-1 when none)."""

    first_term: np.ndarray
    last_term: np.ndarray
    degree: np.ndarray
    degree_term: np.ndarray


def middle_school_absence(pop: Population) -> np.ndarray:
    """Each student's middle-school absence rate; from their propensity if never seen in 6-8."""
    seen = pop["ms_enrolled"] > 0
    return np.where(
        seen, pop["ms_absent"] / np.maximum(pop["ms_enrolled"], 1), 1.1 * pop["absence"]
    )


def _entrants(pop: Population, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """SEA students who go to college, and the term they start."""
    n = len(pop)
    ms = middle_school_absence(pop)
    ability, disadv = pop["ability"], pop["disadv"]
    p = sigmoid(0.45 + 0.9 * ability - 0.5 * disadv - 5 * (ms - 0.07) - 0.3 * pop["swd"])
    grad = pop["exit_type"] == EXIT_GRADUATED
    dropout = pop["exit_type"] == EXIT_DROPPED_OUT
    goes = (grad & (rng.random(n) < p)) | (dropout & (rng.random(n) < 0.06))
    delay = rng.random(n)
    start = 2 * (pop["exit_year"].astype(np.int64) + 1)
    start = start + np.where(delay < 0.85, 0, np.where(delay < 0.95, 2, 3))
    start = start + np.where(dropout, 2 * rng.integers(0, 3, n), 0)
    who = np.flatnonzero(goes)
    return who, start[who]


def _pick_institution(rng: np.random.Generator, sector: np.ndarray) -> np.ndarray:
    out = np.empty(sector.shape[0], dtype=np.int64)
    for s in range(len(SECTORS)):
        members = [i for i, inst in enumerate(INSTITUTIONS) if inst[2] == s]
        w = np.array([INSTITUTIONS[i][3] for i in members])
        here = sector == s
        out[here] = np.array(members)[rng.choice(len(members), size=int(here.sum()), p=w / w.sum())]
    return out


def _spells(
    rng: np.random.Generator,
    ability: np.ndarray,
    disadv: np.ndarray,
    start: np.ndarray,
    sea_dropout: np.ndarray,
) -> Spells:
    n = ability.shape[0]
    four = (rng.random(n) < sigmoid(-0.2 + 1.3 * ability - 0.4 * disadv)) & ~sea_dropout
    sector = np.where(four, np.where(rng.random(n) < 0.2, 2, 0), 1)
    finish_p = np.where(
        four, sigmoid(0.3 + ability - 0.4 * disadv), sigmoid(-0.8 + 0.8 * ability - 0.3 * disadv)
    )
    finish = rng.random(n) < finish_p
    stop = 1 + np.minimum(rng.geometric(np.where(four, 0.3, 0.4)), np.where(four, 6, 4))
    length = np.where(finish, np.where(four, 8, 4) + 2 * (rng.random(n) < 0.3), stop)
    degree = np.where(finish, np.where(four, BACHELOR, ASSOCIATE), NO_DEGREE)
    degree = np.where(~four & ~finish & (length >= 2) & (rng.random(n) < 0.15), CERTIFICATE, degree)
    first = Spells(
        person=np.arange(n),
        institution=_pick_institution(rng, sector),
        first_term=start,
        terms=length,
        degree=degree,
        full_time=rng.random(n) < np.where(four, 0.85, 0.55),
        ability=ability,
    )
    # Some associate graduates transfer to a public university for a bachelor's degree.
    moves = np.flatnonzero((degree == ASSOCIATE) & (rng.random(n) < 0.35))
    k = moves.shape[0]
    done = rng.random(k) < sigmoid(0.4 + ability[moves])
    second = Spells(
        person=moves,
        institution=_pick_institution(rng, np.zeros(k, dtype=np.int64)),
        first_term=start[moves] + length[moves],
        terms=np.where(done, 4 + (rng.random(k) < 0.3), 1 + rng.integers(0, 3, k)),
        degree=np.where(done, BACHELOR, NO_DEGREE),
        full_time=rng.random(k) < 0.8,
        ability=ability[moves],
    )
    return Spells(
        *(
            np.concatenate([getattr(first, f), getattr(second, f)])
            for f in Spells.__dataclass_fields__
        )
    )


@dataclass
class Applicants:
    """Everyone the Commission enrolls: SEA students and outsiders, with their true attributes."""

    sea_index: np.ndarray  # -1 for outsiders
    male: np.ndarray
    first: np.ndarray
    middle: np.ndarray
    last: np.ndarray
    birth: np.ndarray
    ability: np.ndarray
    disadv: np.ndarray
    start: np.ndarray
    sea_dropout: np.ndarray


def _applicants(pop: Population, years: tuple[int, int], rng: np.random.Generator) -> Applicants:
    who, start = _entrants(pop, rng)
    in_window = (start // 2 >= years[0]) & (start // 2 <= years[1])
    k = max(5, round(OUTSIDER_SHARE * in_window.sum()))
    male = rng.random(k) < 0.47
    out_start = rng.integers(2 * years[0], 2 * years[1] + 2, k)
    age = np.where(rng.random(k) < 0.8, 18, rng.integers(19, 41, k))
    out_birth = np.array([day_number(y, 9, 1) for y in range(1950, 2100)])[
        out_start // 2 - age - 1 - 1950
    ]
    middle = pop.pools.draw_first(rng, male)
    middle[rng.random(k) < 0.15] = -1
    return Applicants(
        sea_index=np.concatenate([who, np.full(k, -1)]),
        male=np.concatenate([pop["male"][who], male]),
        first=np.concatenate([pop["first"][who], pop.pools.draw_first(rng, male)]),
        middle=np.concatenate([pop["middle"][who], middle]),
        last=np.concatenate([pop["last"][who], pop.pools.draw_last(rng, k)]),
        birth=np.concatenate([pop["birth"][who], out_birth + rng.integers(0, 365, k)]),
        ability=np.concatenate([pop["ability"][who], rng.normal(0, 1, k).astype(np.float32)]),
        disadv=np.concatenate([pop["disadv"][who], rng.random(k) < 0.35]),
        start=np.concatenate([start, out_start]),
        sea_dropout=np.concatenate([pop["exit_type"][who] == EXIT_DROPPED_OUT, np.zeros(k, bool)]),
    )


class Postsecondary:
    """The Commission's enrollment and degree files, its truth links, and each student's history."""

    def __init__(
        self,
        pop: Population,
        sea_ids: IdScheme,
        years: tuple[int, int],
        rates: ErrorRates,
        rng: np.random.Generator,
    ):
        self.years = years
        self.people = _applicants(pop, years, rng)
        p = self.people
        self.ids = IdScheme(rng, 999_999_937, 0, "H", 9)
        self.spells = _spells(rng, p.ability, p.disadv, p.start, p.sea_dropout)
        self.keyed = key_in(pop.pools, p.first, p.middle, p.last, p.birth, rates, rng)
        self._rows(rng)
        self.history = self._history(len(pop))
        self.sea_ids = sea_ids

    def _rows(self, rng: np.random.Generator) -> None:
        s = self.spells
        spell = np.repeat(np.arange(s.person.shape[0]), s.terms)
        term = s.first_term[spell] + (
            np.arange(spell.shape[0]) - np.repeat(np.cumsum(s.terms) - s.terms, s.terms)
        )
        keep = (term // 2 >= self.years[0]) & (term // 2 <= self.years[1])
        spell, term = spell[keep], term[keep]
        order = np.lexsort((s.person[spell], s.institution[spell], term))
        self.row_spell, self.row_term = spell[order], term[order]
        n = spell.shape[0]
        ft = s.full_time[self.row_spell]
        attempted = np.where(ft, rng.integers(12, 19, n), rng.choice([3, 6, 7, 9, 10], n))
        courses = np.maximum(1, attempted // 3)
        passed = rng.binomial(courses, sigmoid(1.6 + 0.9 * s.ability[self.row_spell]))
        self.attempted = attempted
        self.earned = np.round(attempted * passed / courses).astype(np.int64)
        self.enrolled = np.zeros(self.people.sea_index.shape[0], dtype=bool)
        self.enrolled[s.person[spell]] = True

    def _history(self, n_sea: int) -> CollegeHistory:
        s, p = self.spells, self.people
        sea = p.sea_index[s.person]
        linked = sea >= 0
        first = np.full(n_sea, -1, dtype=np.int64)
        last = np.full(n_sea, -1, dtype=np.int64)
        degree = np.zeros(n_sea, dtype=np.int64)
        degree_term = np.full(n_sea, -1, dtype=np.int64)
        end = s.first_term + s.terms - 1
        # Spells are in time order per person (a transfer follows its first spell), so later wins.
        first[sea[linked][::-1]] = s.first_term[linked][::-1]
        last[sea[linked]] = end[linked]
        has = linked & (s.degree > 0)
        degree[sea[has]] = s.degree[has]
        degree_term[sea[has]] = end[has]
        return CollegeHistory(first, last, degree, degree_term)

    def years_present(self) -> list[int]:
        """Every window year (an empty file still says the agency reported nothing)."""
        return list(range(self.years[0], self.years[1] + 1))

    def enrollment(self, year: int) -> pa.Table:
        """Term enrollments of academic year ``year`` (fall ``year`` and spring ``year + 1``)."""
        rows = np.flatnonzero(self.row_term // 2 == year)
        spell = self.row_spell[rows]
        person = self.spells.person[spell]
        inst = self.spells.institution[spell]
        k = self.keyed
        return pa.table(
            {
                "school_year": pa.array(np.full(rows.shape[0], year, dtype=np.int16)),
                "term": codes(TERMS, self.row_term[rows] % 2),
                "ps_student_id": self.ids.strings(person),
                "first_name": pa.array(k.first[person], pa.string()),
                "middle_name": pa.array(k.middle[person], pa.string()),
                "last_name": pa.array(k.last[person], pa.string()),
                "birth_date": dates(k.birth[person], k.birth_missing[person]),
                "sex": codes(("F", "M"), self.people.male[person].astype(np.int8)),
                "institution_id": codes(tuple(i[0] for i in INSTITUTIONS), inst),
                "institution_name": codes(tuple(i[1] for i in INSTITUTIONS), inst),
                "sector": codes(SECTORS, np.array([i[2] for i in INSTITUTIONS])[inst]),
                "credits_attempted": pa.array(self.attempted[rows].astype(np.int16)),
                "credits_earned": pa.array(self.earned[rows].astype(np.int16)),
            }
        )

    def degrees(self, year: int, rng: np.random.Generator) -> pa.Table:
        """Degrees awarded in academic year ``year``."""
        s = self.spells
        end = s.first_term + s.terms - 1
        rows = np.flatnonzero((s.degree > 0) & (end // 2 == year))
        rows = rows[np.lexsort((s.person[rows], end[rows]))]
        spring = end[rows] % 2 == 1
        base = np.where(spring, day_number(year + 1, 5, 10), day_number(year, 12, 12))
        inst = s.institution[rows]
        return pa.table(
            {
                "school_year": pa.array(np.full(rows.shape[0], year, dtype=np.int16)),
                "ps_student_id": self.ids.strings(s.person[rows]),
                "institution_id": codes(tuple(i[0] for i in INSTITUTIONS), inst),
                "degree": codes(DEGREES, s.degree[rows]),
                "award_date": dates(base + rng.integers(0, 10, rows.shape[0])),
            }
        )

    def links(self) -> pa.Table:
        """The true pairs: SEA student id and Commission id of every linked student with files."""
        person = np.flatnonzero((self.people.sea_index >= 0) & self.enrolled)
        return pa.table(
            {
                "sea_student_id": self.sea_ids.strings(self.people.sea_index[person]),
                "ps_student_id": self.ids.strings(person),
            }
        )
