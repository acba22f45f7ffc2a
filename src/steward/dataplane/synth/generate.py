"""The whole fictional state in one call: SEA, postsecondary and workforce files plus the truth."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from .columns import IdScheme
from .config import ErrorRates, Summary, check_arguments
from .directory import build_directory
from .names import build_pools
from .output import Writer
from .postsecondary import Postsecondary
from .schoolyear import advance, simulate_year
from .sea import SeaTables, districts_table, schools_table
from .students import Population, initial_population
from .workforce import Workforce

Progress = Callable[[str, int, int], None]
STAGES = ("sea", "postsecondary", "workforce")


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress callback: say nothing."""


def generate(
    out: Path,
    *,
    students: int,
    years: tuple[int, int],
    seed: int,
    fmt: str = "csv",
    error_rates: ErrorRates | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Write Lakeland's agency files for ``years`` with about ``students`` enrolled each year.

    The same arguments always give the same bytes. ``progress(stage, done, total)`` is called
    as each stage (sea, postsecondary, workforce) finishes a year.
    """
    years = tuple(years)  # type: ignore[assignment]
    check_arguments(students, years, seed, fmt)
    rates = error_rates or ErrorRates()
    report = progress or _quiet
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    # One independent stream per part, so a change in one part does not reshuffle the others.
    names_rng, dir_rng, ids_rng, sea_rng, ps_rng, wf_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)
    )
    pools = build_pools(names_rng)
    directory = build_directory(dir_rng, students)
    sea_ids = IdScheme(ids_rng, 8_999_999_993, 1_000_000_000, "", 10)
    writer = Writer(out, fmt)
    pop = _write_sea(
        writer,
        initial_population(sea_rng, pools, directory, students, years[0]),
        sea_ids,
        years,
        sea_rng,
        report,
    )
    ps = Postsecondary(pop, sea_ids, years, rates, ps_rng)
    _write_postsecondary(writer, ps, years, ps_rng, report)
    wf = Workforce(pop, sea_ids, ps.history, years, rates, wf_rng)
    _write_workforce(writer, wf, years, wf_rng, report)
    writer.write_truth(ps.links(), "postsecondary_links")
    writer.write_truth(wf.links(), "workforce_links")
    writer.write_manifest(
        {
            "students": students,
            "years": list(years),
            "seed": seed,
            "format": fmt,
            "error_rates": rates.as_dict(),
        }
    )
    return _summary(out, writer, len(pop), ps, wf)


def _write_sea(
    writer: Writer,
    pop: Population,
    ids: IdScheme,
    years: tuple[int, int],
    rng: np.random.Generator,
    report: Progress,
) -> Population:
    tables = SeaTables(pop, ids)
    total = years[1] - years[0] + 1
    for i, year in enumerate(range(years[0], years[1] + 1)):
        rec = simulate_year(pop, year, rng)
        writer.write(districts_table(pop.directory, year), "sea", "districts", year)
        writer.write(schools_table(pop.directory, year), "sea", "schools", year)
        writer.write(tables.enrollment(rec), "sea", "enrollment", year)
        writer.write(tables.assessments(rec), "sea", "assessments", year)
        writer.write(tables.attendance(rec), "sea", "attendance", year)
        writer.write(tables.exits(rec), "sea", "exits", year)
        advance(pop, rec, rng, admit=year < years[1])
        report("sea", i + 1, total)
    return pop


def _write_postsecondary(
    writer: Writer,
    ps: Postsecondary,
    years: tuple[int, int],
    rng: np.random.Generator,
    report: Progress,
) -> None:
    total = years[1] - years[0] + 1
    for i, year in enumerate(range(years[0], years[1] + 1)):
        writer.write(ps.enrollment(year), "postsecondary", "enrollment", year)
        writer.write(ps.degrees(year, rng), "postsecondary", "degrees", year)
        report("postsecondary", i + 1, total)


def _write_workforce(
    writer: Writer,
    wf: Workforce,
    years: tuple[int, int],
    rng: np.random.Generator,
    report: Progress,
) -> None:
    total = years[1] - years[0] + 1
    for i, year in enumerate(range(years[0], years[1] + 1)):
        writer.write(wf.wages(year, rng), "workforce", "wages", year)
        report("workforce", i + 1, total)


def _summary(out: Path, writer: Writer, n_sea: int, ps: Postsecondary, wf: Workforce) -> Summary:
    rows: dict[str, int] = {}
    for e in writer.entries:
        key = f"{e.agency}/{e.dataset}"
        rows[key] = rows.get(key, 0) + e.rows
    return Summary(
        out=out,
        files=tuple(sorted(writer.entries, key=lambda e: e.path)),
        rows_by_dataset=dict(sorted(rows.items())),
        sea_students=n_sea,
        postsecondary_students=int(ps.enrolled.sum()),
        workforce_persons=int(wf.has_rows.sum()),
    )
