"""The state's districts and schools: a few large urban ones, many small rural ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STUDENTS_PER_SCHOOL = 500
SCHOOLS_PER_DISTRICT = 7.5
HARBOR_CITY_SHARE = 0.14
MAX_OTHER_SHARE = 0.07
ONE_SCHOOL_DISTRICTS = 4
# A school's typical enrollment by locale, relative to the state's mean school: a few large
# urban schools, many small rural ones. Illustrative factors, not fitted to published data.
LOCALE_SCHOOL_SIZE = {"CITY": 1.6, "SUBURB": 1.15, "TOWN": 0.75, "RURAL": 0.45}
GRADES = 13  # 0 = kindergarten ... 12
GRADE_CODES = ("KG", *tuple(f"{g:02d}" for g in range(1, 13)))

# level code -> (lowest grade, highest grade)
LEVELS = {"ELEM": (0, 5), "MIDDLE": (6, 8), "HIGH": (9, 12), "K8": (0, 8), "K12": (0, 12)}
LEVEL_SUFFIX = {
    "ELEM": "Elementary School",
    "MIDDLE": "Middle School",
    "HIGH": "High School",
    "K8": "School",
    "K12": "School",
}

_PREFIXES = [
    "Pine",
    "Cedar",
    "Maple",
    "Oak",
    "Birch",
    "Elk",
    "Bear",
    "Fox",
    "Eagle",
    "Clear",
    "Silver",
    "Stone",
    "Iron",
    "Red",
    "White",
    "Green",
    "Mill",
    "Spring",
    "Lake",
    "River",
    "Fair",
    "Glen",
    "High",
    "Rock",
    "Sand",
    "Willow",
    "Aspen",
    "Hazel",
    "Copper",
    "Gold",
    "Meadow",
    "Brook",
    "Ash",
    "Deer",
    "Hawk",
    "Wolf",
    "Otter",
    "Heron",
    "Loon",
    "Crane",
    "Spruce",
]
_SUFFIXES = [
    "ton",
    "ville",
    "field",
    "wood",
    "brook",
    "ford",
    "dale",
    "burg",
    "port",
    "haven",
    " Falls",
    " Ridge",
    " Springs",
    " Hollow",
    " Bay",
    " Point",
]
_PATRONS = [
    "Lincoln",
    "Washington",
    "Jefferson",
    "Roosevelt",
    "Franklin",
    "Adams",
    "Madison",
    "Jackson",
    "Monroe",
    "Kennedy",
    "Hamilton",
    "Douglass",
    "Tubman",
    "Parks",
    "Carver",
    "Edison",
    "Whitman",
    "Emerson",
    "Thoreau",
    "Twain",
    "Alcott",
    "Dickinson",
    "Keller",
    "Earhart",
    "Lewis",
    "Clark",
    "Sequoyah",
    "Chavez",
    "Mann",
    "Dewey",
    "Addams",
    "Bethune",
    "Marshall",
    "Truman",
    "Hoover",
]


@dataclass(frozen=True)
class Directory:
    """Districts and schools as parallel arrays; schools carry a weight used to place students."""

    district_id: np.ndarray  # object str
    district_name: np.ndarray
    district_region: np.ndarray
    district_locale: np.ndarray
    district_share: np.ndarray  # float, sums to 1
    school_id: np.ndarray
    school_name: np.ndarray
    school_district: np.ndarray  # int index into districts
    school_level: np.ndarray
    school_weight: np.ndarray
    # Flattened lookup: for combo c = district * GRADES + grade, the schools serving it with
    # cumulative weights offset by c, so one searchsorted places every student at once.
    _combo_edges: np.ndarray
    _combo_school: np.ndarray

    def place(self, district: np.ndarray, grade: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The school index of each student, from district, grade and a stable draw in [0, 1)."""
        key = district.astype(np.float64) * GRADES + grade + u
        pos = np.searchsorted(self._combo_edges, key, side="right")
        return self._combo_school[pos]


def _town_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = [p + s for p in _PREFIXES for s in _SUFFIXES]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order[: min(n, len(combos))]]
    # Past the combinations, number the towns rather than repeat a name.
    names += [
        f"{combos[order[i % len(combos)]]} {i // len(combos) + 1}" for i in range(len(names), n)
    ]
    return names


def _district_counts(students: int) -> tuple[int, int]:
    schools = max(12, round(students / STUDENTS_PER_SCHOOL))
    districts = max(ONE_SCHOOL_DISTRICTS + 2, round(schools / SCHOOLS_PER_DISTRICT))
    return schools, districts


def _district_table(
    rng: np.random.Generator, n: int, n_schools: int, towns: list[str]
) -> dict[str, np.ndarray]:
    # The one-school districts of the north enroll one small rural school's worth each.
    tail = np.full(ONE_SCHOOL_DISTRICTS, LOCALE_SCHOOL_SIZE["RURAL"] / n_schools)
    rest = 1 - tail.sum()
    middle = n - 1 - ONE_SCHOOL_DISTRICTS
    others = np.sort(rng.lognormal(0.0, 1.0, middle))[::-1]
    harbor = max(HARBOR_CITY_SHARE, 1.5 * rest / (middle + 1.5))
    cap = max(MAX_OTHER_SHARE, (rest - harbor) / middle)
    # Harbor City stays the largest: cap the others and hand the excess to the rest.
    for _ in range(20):
        others = others / others.sum() * (rest - harbor)
        others = np.minimum(others, cap)
    share = np.concatenate([[harbor], others, tail])
    share = share / share.sum()
    rank = np.arange(n) / n
    region = np.where(rank < 0.25, "METRO", np.where(rng.random(n) < 0.5, "CENTRAL", "SOUTH"))
    region = np.where(rank >= 0.75, "NORTH", region).astype(object)
    locale = np.where(rank < 0.25, "SUBURB", np.where(rank < 0.6, "TOWN", "RURAL")).astype(object)
    region[0], locale[0] = "METRO", "CITY"
    region[-ONE_SCHOOL_DISTRICTS:] = "NORTH"
    locale[-ONE_SCHOOL_DISTRICTS:] = "RURAL"
    kinds = rng.choice(["School District", "Public Schools", "Community Schools"], size=n)
    names = [f"{towns[i]} {kinds[i]}" for i in range(n)]
    names[0] = "Harbor City Public Schools"
    return {
        "id": np.array([f"{1001 + i}" for i in range(n)], dtype=object),
        "name": np.array(names, dtype=object),
        "region": region,
        "locale": locale,
        "share": share,
    }


def _levels_for(count: int, rng: np.random.Generator) -> list[str]:
    if count == 1:
        return ["K12"]
    if count == 2:
        return ["K8", "HIGH"]
    high = max(1, round(count * 0.18))
    middle = max(1, round(count * 0.2))
    return ["ELEM"] * (count - high - middle) + ["MIDDLE"] * middle + ["HIGH"] * high


def _school_name(level: str, town: str, index: int, patrons: list[str]) -> str:
    if level in ("HIGH", "K8", "K12") and index == 0:
        return f"{town} {LEVEL_SUFFIX[level]}"
    # Named after people, as many schools are; numbered once a district runs out of patrons.
    stem = patrons[index % len(patrons)]
    if index >= len(patrons):
        stem = f"{stem} {index // len(patrons) + 1}"
    return f"{stem} {LEVEL_SUFFIX[level]}"


def build_directory(rng: np.random.Generator, students: int) -> Directory:
    """Districts (Harbor City first) and their schools, sized to ``students`` enrolled."""
    n_schools, n_districts = _district_counts(students)
    towns = _town_names(rng, n_districts)
    towns[0] = "Harbor City"
    d = _district_table(rng, n_districts, n_schools, towns)
    # Schools per district: its students over the typical school size of its locale, scaled so
    # that the state has about `n_schools`; rural districts get more, smaller schools.
    per_student = d["share"] / np.array([LOCALE_SCHOOL_SIZE[x] for x in d["locale"]])
    counts = np.maximum(1, np.round(per_student / per_student.sum() * n_schools)).astype(int)
    counts[-ONE_SCHOOL_DISTRICTS:] = 1
    ids, names, dist, levels, weights = [], [], [], [], []
    for i in range(n_districts):
        seen: dict[str, int] = {}
        patrons = [_PATRONS[k] for k in rng.permutation(len(_PATRONS))]
        for j, level in enumerate(_levels_for(int(counts[i]), rng)):
            k = seen.get(level, 0)
            seen[level] = k + 1
            ids.append(f"{d['id'][i]}{j + 1:03d}")
            names.append(_school_name(level, towns[i], k, patrons))
            dist.append(i)
            levels.append(level)
            weights.append(float(rng.lognormal(0.0, 0.5)))
    return _finish(d, ids, names, dist, levels, np.array(weights))


def _finish(
    d: dict[str, np.ndarray],
    ids: list[str],
    names: list[str],
    dist: list[int],
    levels: list[str],
    weights: np.ndarray,
) -> Directory:
    edges: list[float] = []
    school: list[int] = []
    for di in range(len(d["id"])):
        members = [s for s in range(len(ids)) if dist[s] == di]
        for g in range(GRADES):
            serving = [s for s in members if LEVELS[levels[s]][0] <= g <= LEVELS[levels[s]][1]]
            cum = np.cumsum(weights[serving]) / weights[serving].sum()
            cum[-1] = 1.0
            c = di * GRADES + g
            edges.extend(c + cum)
            school.extend(serving)
    # Position p of searchsorted counts edges <= key; school[p] is the one whose interval
    # holds the key, because each combo's intervals follow the previous combo's last edge.
    return Directory(
        district_id=d["id"],
        district_name=d["name"],
        district_region=d["region"],
        district_locale=d["locale"],
        district_share=d["share"],
        school_id=np.array(ids, dtype=object),
        school_name=np.array(names, dtype=object),
        school_district=np.array(dist, dtype=np.int32),
        school_level=np.array(levels, dtype=object),
        school_weight=weights,
        _combo_edges=np.array(edges, dtype=np.float64),
        _combo_school=np.array(school, dtype=np.int32),
    )
