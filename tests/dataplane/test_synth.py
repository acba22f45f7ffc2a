"""The synthetic state: reproducible, faithful to the catalog, linked only through the truth."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from steward.dataplane.synth import ErrorRates, generate
from steward.dataplane.synth.cli import main
from steward.dataplane.synth.config import Summary
from steward.dataplane.synth.directory import build_directory
from steward.dataplane.synth.errors import key_in
from steward.dataplane.synth.names import build_pools

CATALOG = Path(__file__).parents[2] / "src/steward/catalog/data/catalog.yaml"
SMALL = {"students": 500, "years": (2015, 2017), "seed": 7}
NO_ERRORS = ErrorRates(0, 0, 0, 0, 0, 0, 0)


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    return generate(tmp_path_factory.mktemp("lakeland"), **SMALL)


@pytest.fixture(scope="module")
def demo_scale(tmp_path_factory: pytest.TempPathFactory) -> Summary:
    """One school year at the size of `steward demo`'s state (well under a second to make)."""
    return generate(
        tmp_path_factory.mktemp("demo-scale"), students=20_000, years=(2019, 2019), seed=7
    )


@pytest.fixture(scope="module")
def catalog() -> dict:
    return yaml.safe_load(CATALOG.read_text())


def read_strings(path: Path) -> pa.Table:
    """A CSV with every column as text, the way a validator first sees it."""
    names = pacsv.read_csv(path).column_names
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
        ),
    )


def agency_files(summary: Summary) -> list:
    return [f for f in summary.files if f.agency != "truth"]


def load(summary: Summary, agency: str, dataset: str, year: int) -> pa.Table:
    return read_strings(summary.out / agency / dataset / f"{year}.csv")


def column(summary: Summary, agency: str, dataset: str, name: str) -> list:
    values: list = []
    for f in summary.files:
        if f.agency == agency and f.dataset == dataset:
            values += read_strings(summary.out / f.path).column(name).to_pylist()
    return values


def check_value(element: dict, value: str | None) -> str | None:
    """Why ``value`` breaks the element's rules, or None when it passes."""
    if value is None or value == "":
        return "missing" if element["required"] else None
    kind = element["type"]
    try:
        if kind == "integer":
            number: float = int(value)
        elif kind == "number":
            number = float(value)
        elif kind == "date":
            dt.date.fromisoformat(value)
        elif kind == "boolean" and value not in ("true", "false"):
            return "not a boolean"
        elif kind == "code" and value not in {str(c) for c in element["codes"]}:
            return "unknown code"
    except ValueError:
        return f"not a {kind}"
    if kind in ("integer", "number"):
        if "min" in element and number < element["min"]:
            return "below min"
        if "max" in element and number > element["max"]:
            return "above max"
    return None


def test_same_seed_writes_identical_files(state: Summary, tmp_path: Path) -> None:
    again = generate(tmp_path, **SMALL)
    assert [(f.path, f.sha256) for f in again.files] == [(f.path, f.sha256) for f in state.files]
    assert (tmp_path / "manifest.json").read_bytes() == (state.out / "manifest.json").read_bytes()


def test_same_seed_writes_identical_parquet(tmp_path: Path) -> None:
    one = generate(tmp_path / "a", **SMALL, fmt="parquet")
    two = generate(tmp_path / "b", **SMALL, fmt="parquet")
    assert [f.sha256 for f in one.files] == [f.sha256 for f in two.files]
    enrollment = pq.read_table(tmp_path / "a/sea/enrollment/2016.parquet")
    assert enrollment.schema.field("birth_date").type == pa.date32()


def test_a_different_seed_gives_different_files(state: Summary, tmp_path: Path) -> None:
    other = generate(tmp_path, **{**SMALL, "seed": 8})
    mine = {f.path: f.sha256 for f in state.files if f.dataset == "enrollment"}
    theirs = {f.path: f.sha256 for f in other.files if f.dataset == "enrollment"}
    assert mine.keys() == theirs.keys()
    assert all(mine[p] != theirs[p] for p in mine)


def test_manifest_lists_every_file_with_its_checksum_and_rows(state: Summary) -> None:
    manifest = json.loads((state.out / "manifest.json").read_text())
    on_disk = {str(p.relative_to(state.out)) for p in state.out.rglob("*.csv")}
    assert {f["path"] for f in manifest["files"]} == on_disk
    for f in manifest["files"]:
        data = (state.out / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert read_strings(state.out / f["path"]).num_rows == f["rows"]
    assert manifest["parameters"]["seed"] == SMALL["seed"]


def test_every_agency_file_follows_the_catalog(state: Summary, catalog: dict) -> None:
    datasets = {(a["code"], d["code"]): d for a in catalog["agencies"] for d in a["datasets"]}
    problems: Counter = Counter()
    for f in agency_files(state):
        spec = datasets[(f.agency, f.dataset)]
        elements = {e["name"]: e for e in spec["elements"]}
        table = read_strings(state.out / f.path)
        assert table.column_names == list(elements), f.path
        for name, element in elements.items():
            for value in table.column(name).to_pylist():
                why = check_value(element, value)
                if why:
                    problems[(f.path, name, why)] += 1
        keys = list(zip(*(table.column(k).to_pylist() for k in spec["key"]), strict=True))
        assert len(keys) == len(set(keys)), f"duplicate key in {f.path}"
    assert not problems


def test_references_point_at_rows_of_the_same_agency_and_year(
    state: Summary, catalog: dict
) -> None:
    checked = 0
    for agency in catalog["agencies"]:
        for spec in agency["datasets"]:
            for element in spec["elements"]:
                ref = element.get("references")
                if not ref:
                    continue
                for year in range(SMALL["years"][0], SMALL["years"][1] + 1):
                    values = set(
                        load(state, agency["code"], spec["code"], year)[element["name"]].to_pylist()
                    )
                    targets = set(
                        load(state, agency["code"], ref["dataset"], year)[
                            ref["element"]
                        ].to_pylist()
                    )
                    assert values <= targets, (spec["code"], element["name"], year)
                    checked += 1
    assert checked > 10


def test_catalog_classifies_identifiers_and_sensitive_programs_honestly(catalog: dict) -> None:
    elements = {
        (a["code"], d["code"], e["name"]): e
        for a in catalog["agencies"]
        for d in a["datasets"]
        for e in d["elements"]
    }
    for name in ("student_id", "first_name", "last_name", "birth_date"):
        assert elements[("sea", "enrollment", name)]["identifier"] == "direct"
        assert elements[("sea", "enrollment", name)]["classification"] == 3
    for name in ("disability", "homeless", "foster_care", "migrant"):
        assert elements[("sea", "enrollment", name)]["classification"] == 4
    assert all(e["classification"] == 1 for k, e in elements.items() if k[1] == "schools")
    assert [lv["level"] for lv in catalog["classification_levels"]] == [1, 2, 3, 4]


def test_truth_links_point_at_ids_that_exist(state: Summary) -> None:
    sea_ids = set(column(state, "sea", "enrollment", "student_id"))
    ps_ids = set(column(state, "postsecondary", "enrollment", "ps_student_id"))
    wf_ids = set(column(state, "workforce", "wages", "wf_person_id"))
    ps_links = read_strings(state.out / "truth/postsecondary_links.csv")
    wf_links = read_strings(state.out / "truth/workforce_links.csv")
    assert ps_links.num_rows > 0 and wf_links.num_rows > 0
    assert set(ps_links["sea_student_id"].to_pylist()) <= sea_ids
    assert set(ps_links["ps_student_id"].to_pylist()) <= ps_ids
    assert set(wf_links["sea_student_id"].to_pylist()) <= sea_ids
    assert set(wf_links["wf_person_id"].to_pylist()) <= wf_ids
    # Some people at each agency have no SEA record, as in life.
    assert len(ps_ids) > ps_links.num_rows and len(wf_ids) > wf_links.num_rows


def test_no_identifier_is_shared_between_the_sea_and_other_agencies(state: Summary) -> None:
    sea = set(column(state, "sea", "enrollment", "student_id"))
    ps = set(column(state, "postsecondary", "enrollment", "ps_student_id"))
    wf = set(column(state, "workforce", "wages", "wf_person_id"))
    assert not sea & ps and not sea & wf and not ps & wf
    sea_columns = set(load(state, "sea", "enrollment", 2016).column_names)
    assert "student_id" not in load(state, "postsecondary", "enrollment", 2016).column_names
    assert "student_id" not in load(state, "workforce", "wages", 2016).column_names
    assert "ps_student_id" not in sea_columns and "wf_person_id" not in sea_columns


def test_students_keep_their_birth_date_and_move_up_a_grade_or_repeat(state: Summary) -> None:
    grade_number = {"KG": 0, **{f"{g:02d}": g for g in range(1, 13)}}
    seen: dict[str, tuple[int, str, int]] = {}
    followed = repeated = 0
    for year in range(2015, 2018):
        t = load(state, "sea", "enrollment", year)
        for sid, birth, grade in zip(
            t["student_id"].to_pylist(),
            t["birth_date"].to_pylist(),
            t["grade"].to_pylist(),
            strict=True,
        ):
            g = grade_number[grade]
            if sid in seen:
                last_year, last_birth, last_grade = seen[sid]
                assert birth == last_birth
                assert g - last_grade in (0, year - last_year)
                followed += 1
                repeated += g == last_grade
            seen[sid] = (year, birth, g)
    assert followed > 500
    assert 0 < repeated < followed * 0.1


def test_grades_match_ages(state: Summary) -> None:
    t = load(state, "sea", "enrollment", 2016)
    grade_number = {"KG": 0, **{f"{g:02d}": g for g in range(1, 13)}}
    for birth, grade in zip(t["birth_date"].to_pylist(), t["grade"].to_pylist(), strict=True):
        age = (dt.date(2016, 9, 1) - dt.date.fromisoformat(birth)).days / 365.25
        assert 0 <= age - 5 - grade_number[grade] < 3.5


def test_key_in_errors_happen_at_about_the_configured_rates() -> None:
    rng = np.random.default_rng(11)
    pools = build_pools(rng)
    n = 40_000
    male = rng.random(n) < 0.5
    first, middle = pools.draw_first(rng, male), pools.draw_first(rng, male)
    last = pools.draw_last(rng, n)
    birth = rng.integers(10_000, 14_000, n)
    rates = ErrorRates(0.05, 0.03, 0.02, 0.04, 0.03, 0.06, 0.01)
    keyed = key_in(pools, first, middle, last, birth, rates, rng)
    has_nickname = np.array([len(pools.nicknames[i]) > 0 for i in first])
    day = birth.astype("datetime64[D]")
    dom = (day - day.astype("datetime64[M]")).astype(int) + 1
    month = (day.astype("datetime64[M]") - day.astype("datetime64[Y]")).astype(int) + 1
    swappable = (dom <= 12) & (dom != month)
    eligible = {"nickname": has_nickname, "swapped_day_month": swappable}
    for name, rate in rates.as_dict().items():
        mask = eligible.get(name, np.ones(n, dtype=bool))
        observed = keyed.applied[name][mask].mean()
        assert abs(observed - rate) < 0.25 * rate + 0.003, name
    changed_first = keyed.first != pools.first[first]
    assert changed_first.mean() > 0.03
    assert np.all(
        keyed.birth[swappable & keyed.applied["swapped_day_month"]]
        != birth[swappable & keyed.applied["swapped_day_month"]]
    )


def test_without_errors_linked_records_carry_the_true_names(tmp_path: Path) -> None:
    s = generate(tmp_path, **SMALL, error_rates=NO_ERRORS)
    truth: dict[str, tuple] = {}
    for year in range(2015, 2018):
        t = load(s, "sea", "enrollment", year)
        for row in zip(
            *(t[c].to_pylist() for c in ("student_id", "first_name", "last_name", "birth_date")),
            strict=True,
        ):
            truth[row[0]] = row[1:]
    links = dict(
        zip(
            *(
                read_strings(tmp_path / "truth/postsecondary_links.csv")[c].to_pylist()
                for c in ("ps_student_id", "sea_student_id")
            ),
            strict=True,
        )
    )
    checked = 0
    for year in range(2015, 2018):
        t = load(s, "postsecondary", "enrollment", year)
        for ps_id, first, last, birth in zip(
            *(t[c].to_pylist() for c in ("ps_student_id", "first_name", "last_name", "birth_date")),
            strict=True,
        ):
            if ps_id in links:
                assert truth[links[ps_id]] == (first, last, birth)
                checked += 1
    assert checked > 0


def test_with_default_errors_some_linked_names_differ_from_the_truth(state: Summary) -> None:
    sea_names = {}
    for year in range(2015, 2018):
        t = load(state, "sea", "enrollment", year)
        sea_names.update(zip(t["student_id"].to_pylist(), t["first_name"].to_pylist(), strict=True))
    links = read_strings(state.out / "truth/workforce_links.csv")
    wf = {}
    for year in range(2015, 2018):
        t = load(state, "workforce", "wages", year)
        wf.update(zip(t["wf_person_id"].to_pylist(), t["first_name"].to_pylist(), strict=True))
    pairs = [
        (sea_names[s], wf[w])
        for s, w in zip(
            links["sea_student_id"].to_pylist(), links["wf_person_id"].to_pylist(), strict=True
        )
    ]
    same = sum(a.upper() == b for a, b in pairs)
    assert 0.7 * len(pairs) < same < len(pairs)


def test_chronically_absent_middle_schoolers_enroll_in_college_less_often_but_some_do(
    tmp_path: Path,
) -> None:
    s = generate(tmp_path, students=4000, years=(2015, 2022), seed=3)
    absent: dict[str, list[int]] = {}
    for year in range(2015, 2023):
        e = load(s, "sea", "enrollment", year)
        a = load(s, "sea", "attendance", year)
        grade = dict(zip(e["student_id"].to_pylist(), e["grade"].to_pylist(), strict=True))
        for sid, enrolled, days in zip(
            a["student_id"].to_pylist(),
            a["days_enrolled"].to_pylist(),
            a["days_absent"].to_pylist(),
            strict=True,
        ):
            if grade[sid] in ("06", "07", "08"):
                tot = absent.setdefault(sid, [0, 0])
                tot[0] += int(enrolled)
                tot[1] += int(days)
    graduates = set()
    for year in range(2015, 2021):  # graduates whose first fall is inside the window
        x = load(s, "sea", "exits", year)
        graduates |= {
            sid
            for sid, kind in zip(
                x["student_id"].to_pylist(), x["exit_type"].to_pylist(), strict=True
            )
            if kind == "GRAD"
        }
    college = set(
        read_strings(s.out / "truth/postsecondary_links.csv")["sea_student_id"].to_pylist()
    )
    followed = [sid for sid in graduates if sid in absent]
    chronic = [sid for sid in followed if absent[sid][1] >= 0.1 * absent[sid][0]]
    regular = [sid for sid in followed if sid not in set(chronic)]
    rate = lambda ids: sum(i in college for i in ids) / len(ids)  # noqa: E731
    assert len(chronic) >= 20
    assert 0 < rate(chronic) < rate(regular)


def test_default_scale_has_about_forty_districts_led_by_harbor_city() -> None:
    d = build_directory(np.random.default_rng(5), 150_000)
    assert 35 <= len(d.district_id) <= 45 and 270 <= len(d.school_id) <= 330
    sizes = np.bincount(d.school_district)
    assert d.district_name[0] == "Harbor City Public Schools" and sizes.argmax() == 0
    single = np.flatnonzero(sizes == 1)
    assert len(single) >= 3 and set(d.district_region[single]) == {"NORTH"}


def first_year(summary: Summary, agency: str, dataset: str) -> pa.Table:
    year = min(f.year for f in summary.files if (f.agency, f.dataset) == (agency, dataset))
    return load(summary, agency, dataset, year)


def school_sizes(summary: Summary) -> dict[str, list[int]]:
    """Students enrolled in each school in the first year, grouped by the school's locale."""
    enrolled = Counter(first_year(summary, "sea", "enrollment")["school_id"].to_pylist())
    schools = first_year(summary, "sea", "schools")
    by_locale: dict[str, list[int]] = {}
    for school, locale in zip(
        schools["school_id"].to_pylist(), schools["locale"].to_pylist(), strict=True
    ):
        by_locale.setdefault(locale, []).append(enrolled[school])
    return by_locale


@pytest.mark.parametrize("scale", ["state", "demo_scale"])
def test_many_small_rural_schools_and_a_few_large_urban_ones(
    scale: str, request: pytest.FixtureRequest
) -> None:
    by_locale = school_sizes(request.getfixturevalue(scale))
    sizes = sorted(n for group in by_locale.values() for n in group)
    rural, city = by_locale["RURAL"], by_locale["CITY"]

    assert len(rural) >= 4  # the one-school districts of the north, at least
    assert np.median(rural) < 0.6 * np.median(city)
    assert max(rural) < np.median(city)
    assert max(city) == sizes[-1]  # the largest school is in Harbor City
    # Skewed to the right: most schools are smaller than the mean, the largest far above it.
    assert np.mean([n < np.mean(sizes) for n in sizes]) >= 0.5
    assert sizes[-1] >= 2 * np.median(sizes)
    # Rural schools sit in the small half (where small classes call for disclosure control).
    assert np.median(rural) < np.median(sizes)


def test_at_the_default_scale_rural_schools_are_many_and_small() -> None:
    """The statewide directory (about 300 schools): rural schools are a large group, and
    enroll about a third of what a city school does; Harbor City's are the largest."""
    d = build_directory(np.random.default_rng(5), 150_000)
    per_school = np.array(
        [
            d.district_share[district] / np.sum(d.school_district == district)
            for district in d.school_district
        ]
    )
    locale = d.district_locale[d.school_district]
    assert np.sum(locale == "RURAL") >= 0.12 * len(locale)
    assert np.median(per_school[locale == "RURAL"]) < 0.5 * np.median(per_school[locale == "CITY"])
    assert np.median(per_school[locale == "TOWN"]) < np.median(per_school[locale == "SUBURB"])


def students(summary: Summary) -> pa.Table:
    """Every K-12 student once (first enrollment seen), with the names as the SEA holds them."""
    seen: set[str] = set()
    rows: dict[str, list] = {"first_name": [], "last_name": [], "birth_date": []}
    for f in sorted(summary.files, key=lambda f: f.year or 0):
        if (f.agency, f.dataset) != ("sea", "enrollment"):
            continue
        t = read_strings(summary.out / f.path)
        for i, sid in enumerate(t["student_id"].to_pylist()):
            if sid not in seen:
                seen.add(sid)
                for name in rows:
                    rows[name].append(t[name][i].as_py())
    return pa.table(rows)


CENSUS_TOP_20 = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez",
    "Wilson", "Martinez", "Anderson", "Taylor", "Thomas", "Hernandez", "Moore", "Martin",
    "Jackson", "Thompson", "White",
]  # fmt: skip


@pytest.mark.parametrize("scale", ["state", "demo_scale"])
def test_common_surnames_are_shared_by_many_students_and_a_long_tail_by_one(
    scale: str, request: pytest.FixtureRequest
) -> None:
    from faker.providers.person.en_US import Provider

    last = students(request.getfixturevalue(scale))["last_name"].to_pylist()
    counts = Counter(last)
    top = [name for name, _ in counts.most_common(10)]

    # The head: the most common names are the census's most common, each shared by many.
    assert counts.most_common(1)[0][1] >= 0.01 * len(last)
    assert sum(name in CENSUS_TOP_20 for name in top) >= 7
    assert sum(counts[name] > 1 for name in last) >= 0.25 * len(last)  # surname collisions
    # The tail: most distinct surnames belong to a single student, and about 40% of students
    # have a name outside the 1,000 most common (as in census data).
    assert sum(n == 1 for n in counts.values()) >= 0.5 * len(counts)
    outside = sum(name not in Provider.last_names for name in last) / len(last)
    assert 0.3 <= outside <= 0.5


def test_different_students_share_a_full_name_as_they_do_in_life(demo_scale: Summary) -> None:
    t = students(demo_scale)
    names = Counter(zip(t["first_name"].to_pylist(), t["last_name"].to_pylist(), strict=True))
    shared = sum(n for n in names.values() if n > 1)
    assert shared >= 0.02 * t.num_rows  # the same first and last name, different students
    assert max(names.values()) >= 4
    with_birth = Counter(
        zip(*(t[c].to_pylist() for c in ("first_name", "last_name", "birth_date")), strict=True)
    )
    assert (
        sum(n for n in with_birth.values() if n > 1) < 0.001 * t.num_rows
    )  # rarely also the birth date


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"students": 10}, "students"),
        ({"years": (2020, 2015)}, "years"),
        ({"seed": -1}, "seed"),
        ({"fmt": "xlsx"}, "fmt"),
    ],
)
def test_bad_arguments_are_refused_with_the_argument_named(
    tmp_path: Path, kwargs: dict, named: str
) -> None:
    with pytest.raises(ValueError, match=named):
        generate(tmp_path, **{**SMALL, **kwargs})
    assert not any(tmp_path.iterdir())


def test_bad_error_rate_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="typo"):
        ErrorRates(typo=1.5)


def test_command_line_writes_the_state_and_refuses_bad_years(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert (
        main(
            [
                "--students",
                "200",
                "--years",
                "2015-2016",
                "--seed",
                "1",
                "--out",
                str(tmp_path),
                "--quiet",
            ]
        )
        == 0
    )
    assert (tmp_path / "manifest.json").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["--years", "2015-20x", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert "--years" in capsys.readouterr().err
