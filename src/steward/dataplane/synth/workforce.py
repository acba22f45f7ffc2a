"""The Workforce Commission: quarterly wage records of people who work in Lakeland."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import IdScheme, dates, day_number
from .config import ErrorRates
from .errors import key_in
from .postsecondary import ASSOCIATE, BACHELOR, CERTIFICATE, CollegeHistory
from .students import EXIT_DROPPED_OUT, EXIT_TRANSFERRED, Population, sigmoid

# 2-digit NAICS sectors with rough shares of employment, and how much more often young people
# (in high school or college) work there.
NAICS = (
    ("11", 0.010, 0.5),
    ("21", 0.004, 0.2),
    ("22", 0.004, 0.1),
    ("23", 0.055, 0.5),
    ("31", 0.020, 0.3),
    ("32", 0.030, 0.3),
    ("33", 0.035, 0.3),
    ("42", 0.040, 0.3),
    ("44", 0.060, 4.0),
    ("45", 0.050, 4.0),
    ("48", 0.040, 0.4),
    ("49", 0.015, 0.8),
    ("51", 0.020, 0.3),
    ("52", 0.045, 0.3),
    ("53", 0.015, 0.3),
    ("54", 0.065, 0.2),
    ("55", 0.015, 0.1),
    ("56", 0.060, 0.8),
    ("61", 0.090, 1.0),
    ("62", 0.140, 0.8),
    ("71", 0.015, 2.5),
    ("72", 0.090, 6.0),
    ("81", 0.035, 0.8),
    ("92", 0.047, 0.3),
)
NAICS_CODES = tuple(code for code, _, _ in NAICS)
OUTSIDER_SHARE = 0.3  # workers with no SEA record in the window: older adults, newcomers
QUARTER_MID = ((2, 15), (5, 15), (8, 15), (11, 15))


class Workforce:
    """Quarterly wage records for SEA students once they are 16, and for other adults."""

    def __init__(
        self,
        pop: Population,
        sea_ids: IdScheme,
        college: CollegeHistory,
        years: tuple[int, int],
        rates: ErrorRates,
        rng: np.random.Generator,
    ):
        self.pop, self.sea_ids, self.college, self.years = pop, sea_ids, college, years
        self._people(rng)
        self._employers(rng, len(pop))
        keyed = key_in(pop.pools, self.first, self.middle, self.last, self.birth, rates, rng)
        # The Commission's system stores names in capitals.
        self.first_name = pc.utf8_upper(pa.array(keyed.first, pa.string()))
        self.middle_name = pc.utf8_upper(pa.array(keyed.middle, pa.string()))
        self.last_name = pc.utf8_upper(pa.array(keyed.last, pa.string()))
        self.keyed_birth = dates(keyed.birth, keyed.birth_missing)
        self.ids = IdScheme(rng, 899_999_963, 100_000_000, "W", 9)
        n = self.sea_index.shape[0]
        self.employer = np.full(n, -1, dtype=np.int64)
        self.effect = rng.normal(0, 1, n)
        self.pay = np.exp(0.4 * rng.normal(0, 1, n))
        self.has_rows = np.zeros(n, dtype=bool)

    def _people(self, rng: np.random.Generator) -> None:
        pop = self.pop
        last_day = day_number(self.years[1], 12, 31)
        sea = np.flatnonzero(
            (pop["exit_type"] != EXIT_TRANSFERRED) & (last_day - pop["birth"] >= 16 * 365.25)
        )
        k = max(5, round(OUTSIDER_SHARE * sea.shape[0]))
        male = rng.random(k) < 0.5
        middle = pop.pools.draw_first(rng, male)
        middle[rng.random(k) < 0.15] = -1
        born = day_number(self.years[0] - 64, 1, 1) + rng.integers(0, 45 * 365, k)
        self.sea_index = np.concatenate([sea, np.full(k, -1)])
        self.first = np.concatenate([pop["first"][sea], pop.pools.draw_first(rng, male)])
        self.middle = np.concatenate([pop["middle"][sea], middle])
        self.last = np.concatenate([pop["last"][sea], pop.pools.draw_last(rng, k)])
        self.birth = np.concatenate([pop["birth"][sea], born]).astype(np.int64)

    def _employers(self, rng: np.random.Generator, n_students: int) -> None:
        n = max(60, n_students // 40)
        share = np.array([s for _, s, _ in NAICS])
        youth = np.array([y for _, _, y in NAICS])
        self.employer_sector = rng.choice(len(NAICS), size=n, p=share / share.sum())
        size = np.exp(1.2 * rng.normal(0, 1, n))
        self.p_adult = size / size.sum()
        young = size * youth[self.employer_sector]
        self.p_young = young / young.sum()
        self.employer_ids = IdScheme(rng, 9_999_991, 0, "E", 7).strings(np.arange(n))

    def _status(
        self, year: int, quarter: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Who may work this quarter, their chance of working, their yearly pay, and youth."""
        pop, c = self.pop, self.college
        mid = day_number(year, *QUARTER_MID[quarter - 1])
        sea = self.sea_index
        linked = sea >= 0
        s = np.maximum(sea, 0)
        school_year = year - 1 if quarter < 4 else year
        term = 2 * year if quarter == 4 else 2 * school_year + 1
        exit_year = pop["exit_year"][s]
        in_k12 = (pop["entry_year"][s] <= school_year) & (
            (exit_year < 0) | (school_year <= exit_year)
        )
        arrived = pop["entry_year"][s] <= school_year
        in_college = (c.first_term[s] >= 0) & (c.first_term[s] <= term) & (term <= c.last_term[s])
        done = np.where(c.degree_term[s] < term, c.degree[s], 0)
        dropout = pop["exit_type"][s] == EXIT_DROPPED_OUT
        left = ~in_k12 & ~in_college
        base = np.select(
            [
                in_k12,
                in_college,
                left & (done == BACHELOR),
                left & np.isin(done, (ASSOCIATE, CERTIFICATE)),
                left & dropout,
            ],
            [0.25, 0.45, 0.85, 0.80, 0.55],
            0.72,
        )
        annual = np.select(
            [in_k12, in_college, done == BACHELOR, done == ASSOCIATE, done == CERTIFICATE, dropout],
            [5_000, 9_000, 52_000, 38_000, 34_000, 24_000],
            30_000,
        ).astype(np.float64)
        age = (mid - self.birth) / 365.25
        eligible = np.where(linked, arrived & (age >= 16), (age >= 16) & (age < 67))
        base = np.where(linked, base, 0.78)
        annual = np.where(linked, annual, 40_000.0) * 1.025 ** np.clip(age - 22, 0, 20)
        young = linked & (in_k12 | in_college)
        return eligible, sigmoid(np.log(base / (1 - base)) + 0.9 * self.effect), annual, young

    def wages(self, year: int, rng: np.random.Generator) -> pa.Table:
        """All wage records of calendar year ``year``, quarter by quarter."""
        parts = [self._quarter(year, q, rng) for q in (1, 2, 3, 4)]
        return pa.concat_tables(parts)

    def _quarter(self, year: int, quarter: int, rng: np.random.Generator) -> pa.Table:
        eligible, p_work, annual, young = self._status(year, quarter)
        n = eligible.shape[0]
        works = eligible & (rng.random(n) < p_work)
        change = works & ((self.employer < 0) | (rng.random(n) < np.where(young, 0.25, 0.08)))
        young_new = change & young
        self.employer[young_new] = rng.choice(
            self.p_young.shape[0], int(young_new.sum()), p=self.p_young
        )
        adult_new = change & ~young
        self.employer[adult_new] = rng.choice(
            self.p_adult.shape[0], int(adult_new.sum()), p=self.p_adult
        )
        self.employer[eligible & ~works & (rng.random(n) < 0.5)] = -1
        who = np.flatnonzero(works)
        who = who[np.lexsort((who, self.employer[who]))]
        self.has_rows[who] = True
        partial = np.where(
            rng.random(who.shape[0]) < 0.15, rng.uniform(0.15, 1.0, who.shape[0]), 1.0
        )
        noise = np.exp(0.12 * rng.normal(0, 1, who.shape[0]))
        amount = np.maximum(50.0, np.round(annual[who] / 4 * self.pay[who] * noise * partial, 2))
        employer = self.employer[who]
        sector = self.employer_sector[employer]
        return pa.table(
            {
                "year": pa.array(np.full(who.shape[0], year, dtype=np.int16)),
                "quarter": pa.array(np.full(who.shape[0], quarter, dtype=np.int8)),
                "wf_person_id": self.ids.strings(who),
                "first_name": self.first_name.take(pa.array(who)),
                "middle_name": self.middle_name.take(pa.array(who)),
                "last_name": self.last_name.take(pa.array(who)),
                "birth_date": self.keyed_birth.take(pa.array(who)),
                "employer_id": self.employer_ids.take(pa.array(employer)),
                "naics": pa.array(NAICS_CODES, pa.string()).take(pa.array(sector)),
                "wages": pa.array(amount),
            }
        )

    def links(self) -> pa.Table:
        """The true pairs: SEA student id and Commission person id of everyone with wages."""
        person = np.flatnonzero((self.sea_index >= 0) & self.has_rows)
        return pa.table(
            {
                "sea_student_id": self.sea_ids.strings(self.sea_index[person]),
                "wf_person_id": self.ids.strings(person),
            }
        )
