"""One record per person per agency, with names normalized for comparison.

Agencies send yearly files in which a person appears many times; linkage wants each person
once. Each person keeps their most common spelling (ties go to the latest year), so one
mistyped year does not decide how they are compared.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from functools import lru_cache

import duckdb
import pyarrow as pa

ID = "person_id"
NAME_COLUMNS = ("first_name", "middle_name", "last_name")
IDENTIFIER_COLUMNS = (*NAME_COLUMNS, "birth_date", "sex")

# Where each agency of Lakeland keeps its people and under which identifier (the catalog).
AGENCY_SOURCES: dict[str, tuple[str, str]] = {
    "sea": ("enrollment", "student_id"),
    "postsecondary": ("enrollment", "ps_student_id"),
    "workforce": ("wages", "wf_person_id"),
}


class LinkageInputError(ValueError):
    """An input table lacks what linkage needs; the message names columns, never values."""


def person_records(tables: Sequence[pa.Table], *, id_column: str) -> pa.Table:
    """Stack yearly tables and keep one row per ``id_column``: the most common spelling.

    Returns ``person_id, first_name, middle_name, last_name, birth_date`` and ``sex`` when
    the agency records it, all as strings (birth dates as ``YYYY-MM-DD``), as typed.
    """
    if not tables:
        raise LinkageInputError("no tables given")
    keep = [c for c in IDENTIFIER_COLUMNS if all(c in t.column_names for t in tables)]
    missing = {id_column, "first_name", "last_name", "birth_date"} - {*keep, id_column}
    for table in tables:
        missing |= {id_column} - set(table.column_names)
    if missing:
        raise LinkageInputError(f"input lacks columns: {', '.join(sorted(missing))}")
    stacked = pa.concat_tables(
        [_as_strings(t.select([id_column, *keep]), order=i) for i, t in enumerate(tables)]
    )
    return _most_common_spelling(stacked, id_column, keep)


def _as_strings(table: pa.Table, *, order: int) -> pa.Table:
    columns = {name: table[name].cast(pa.string()) for name in table.column_names}
    columns["_order"] = pa.array([order] * table.num_rows, pa.int32())
    return pa.table(columns)


def _most_common_spelling(stacked: pa.Table, id_column: str, keep: list[str]) -> pa.Table:
    # Column names come from IDENTIFIER_COLUMNS and the caller's id column, checked above.
    cols = ", ".join(f'"{c}"' for c in keep)
    sql = f"""
        with counted as (
            select "{id_column}" as {ID}, {cols}, count(*) as n, max(_order) as latest
            from stacked group by all
        ), ranked as (
            select *, row_number() over (
                partition by {ID} order by n desc, latest desc, {cols}
            ) as rank
            from counted
        )
        select {ID}, {cols} from ranked where rank = 1 order by {ID}
    """  # noqa: S608
    con = duckdb.connect()
    try:
        con.register("stacked", stacked)
        return con.sql(sql).to_arrow_table()
    finally:
        con.close()


@lru_cache(maxsize=200_000)
def normalize_name(value: str | None) -> str | None:
    """Lower case, accents dropped, only letters and single hyphens kept; empty becomes None."""
    if value is None:
        return None
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    parts = "".join(c if c.isalpha() else "-" if c in "-' " else "" for c in ascii_text.lower())
    cleaned = "-".join(p for p in parts.split("-") if p)
    return cleaned or None


@lru_cache(maxsize=1)
def _nick_namer():
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=100_000)
def name_variants(first_name: str | None) -> tuple[str, ...]:
    """The name and the formal names it may stand for (``bill`` -> ``bill, william``), sorted.

    Two first names agree on nicknames when their variants intersect.
    """
    if not first_name:
        return ()
    return tuple(sorted({first_name, *_nick_namer().canonicals_of(first_name)}))


def normalize_birth_date(value: str | None) -> str | None:
    """``YYYY-MM-DD`` kept as a string (so a one-digit slip stays visible); blanks become None."""
    if value is None:
        return None
    text = value.strip()[:10]
    return text if len(text) == 10 and text[4] == "-" and text[7] == "-" else None


def comparison_table(people: pa.Table) -> pa.Table:
    """Add the normalized columns that the comparisons read (names, name variants, dates)."""
    out = {ID: people[ID]}
    for column in NAME_COLUMNS:
        out[column] = pa.array([normalize_name(v) for v in people[column].to_pylist()], pa.string())
    out["first_name_variants"] = pa.array(
        [list(name_variants(v)) for v in out["first_name"].to_pylist()], pa.list_(pa.string())
    )
    dates = [normalize_birth_date(v) for v in people["birth_date"].to_pylist()]
    out["birth_date"] = pa.array(dates, pa.string())
    out["birth_year"] = pa.array([d[:4] if d else None for d in dates], pa.string())
    if "sex" in people.column_names:
        out["sex"] = pa.array([(v or "").upper() or None for v in people["sex"].to_pylist()])
    return pa.table(out)
