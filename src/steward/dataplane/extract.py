"""De-identified extracts: what an agreement granted, read from the warehouse, with project
pseudonyms in place of identifiers, the population filter applied, written as encrypted Parquet.

`build_extract` makes one encrypted Parquet file per agency dataset under
``root/extracts/<project>/<extract>/``. Researchers' copies (`deliver`: Parquet, CSV, Stata,
SPSS) are made per download in memory, each ordered by a key only that recipient's copy has
(`fingerprint_order`), so a leaked file can be traced (`fingerprint_trace`). Nothing here
knows about people or requests: it takes paths, keys and plain values.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import html
import io
import itertools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from steward.dataplane.atomic import atomic_path, atomic_write_text
from steward.dataplane.keys import check_key_id
from steward.dataplane.pseudonym import pseudonym_column
from steward.dataplane.warehouse import Warehouse, WarehouseError

SEA = "sea"
PERSON_ID = "person_id"
YEAR = "school_year"
BIRTH_YEAR = "birth_year"
# Each agency's own identifier of a person: replaced by the pseudonym, never delivered.
PERSON_COLUMNS = {
    "sea": "student_id",
    "postsecondary": "ps_student_id",
    "workforce": "wf_person_id",
}
FORMATS = ("parquet", "csv", "dta", "sav")
MEDIA_TYPES = {
    "parquet": "application/vnd.apache.parquet",
    "csv": "text/csv",
    "dta": "application/x-stata-dta",
    "sav": "application/x-spss-sav",
}
# The SEA id of the same person, when linked: one pseudonym for one person in every file.
_LINKED = """
    LEFT JOIN (SELECT agency_id, master_id FROM xw WHERE agency = $agency) xo
        ON xo.agency_id = src."PERSON"
    LEFT JOIN (SELECT master_id, min(agency_id) AS sea_id FROM xw WHERE agency = 'sea'
        GROUP BY master_id) xs ON xs.master_id = xo.master_id
"""
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_HASH_CHUNK = 1 << 20
# Rows of one row group (DuckDB writes 122,880): while the writer encodes one, the next ones
# are keyed by as many threads as there are cores, up to two.
_ROW_GROUP = 1 << 18
_KEYING_THREADS = min(2, os.cpu_count() or 1)


class ExtractError(ValueError):
    """An extract that cannot be built as asked; the message names the grant or file, no values."""


# What to build --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Whose records: students enrolled in these grades, in the cohort years, at these places."""

    grades: tuple[str, ...] = ()
    cohorts: tuple[int, ...] = ()
    schools: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()

    @classmethod
    def from_text(cls, grades: str = "", cohorts: str = "", places: str = "") -> Population:
        """Read a grant's population as the agreement states it ("6-8", "2016-2019", ids)."""
        schools, districts = [], []
        for token in re.split(r"[,;\s]+", places.strip()):
            if not token or token.lower() == "statewide":
                continue
            if re.fullmatch(r"\d{7}", token):
                schools.append(token)
            elif re.fullmatch(r"\d{4}", token):
                districts.append(token)
            else:
                raise ExtractError(
                    f"the population names {places!r}: give school (7-digit) or district "
                    "(4-digit) identifiers, or statewide"
                )
        return cls(tuple(_grades(grades)), tuple(_years(cohorts)), tuple(schools), tuple(districts))

    @property
    def restricted(self) -> bool:
        return bool(self.grades or self.cohorts or self.schools or self.districts)

    def describe(self) -> str:
        parts = []
        if self.grades:
            parts.append("grades " + ", ".join(self.grades))
        if self.cohorts:
            parts.append(f"enrolled in those grades in {_span(self.cohorts)}")
        if self.schools or self.districts:
            parts.append("at " + ", ".join((*self.schools, *self.districts)))
        return "; ".join(parts) or "statewide, no restriction"


def _grades(text: str) -> list[str]:
    out: list[str] = []
    for token in re.split(r"[,;\s]+", text.strip()):
        if not token:
            continue
        if token.upper() in ("K", "KG"):
            out.append("KG")
            continue
        bounds = token.split("-")
        if not all(b.isdigit() for b in bounds) or len(bounds) > 2:
            raise ExtractError(f"grades {text!r}: write them as 6-8, K, 9,10")
        low, high = int(bounds[0]), int(bounds[-1])
        if not 1 <= low <= high <= 12:
            raise ExtractError(f"grades {text!r}: grades run from K and 1 to 12")
        out += [f"{g:02d}" for g in range(low, high + 1)]
    return sorted(set(out))


def _years(text: str) -> list[int]:
    out: list[int] = []
    for token in re.split(r"[,;\s]+", text.strip()):
        if not token:
            continue
        bounds = token.split("-")
        if not all(re.fullmatch(r"\d{4}", b) for b in bounds) or len(bounds) > 2:
            raise ExtractError(f"cohorts {text!r}: write school years as 2016-2019")
        out += range(int(bounds[0]), int(bounds[-1]) + 1)
    return sorted(set(out))


def _span(years: Sequence[int]) -> str:
    years = sorted(years)
    return str(years[0]) if years[0] == years[-1] else f"{years[0]}-{years[-1]}"


@dataclass(frozen=True)
class Variable:
    """One granted element, as the catalog describes it, for the granted years."""

    agency: str
    dataset: str
    element: str
    first_year: int
    last_year: int
    label: str = ""
    definition: str = ""
    type: str = "string"
    identifier: str = "none"  # direct, quasi or none
    codes: tuple[tuple[str, str], ...] = ()
    unit: str = ""
    required: bool = False
    population: Population = Population()

    @property
    def table(self) -> str:
        return f"{self.agency}_{self.dataset}"

    @property
    def output(self) -> str | None:
        """The column this element becomes, or None for a direct identifier that is dropped."""
        if self.element == "birth_date":
            return BIRTH_YEAR
        if self.identifier == "direct":
            return None
        return self.element

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


@dataclass(frozen=True)
class ExtractSpec:
    """An extract to build: the project and extract names (folders), the granted variables,
    and the crosswalk when the agreement authorizes matching (agency, agency_id, master_id)."""

    project: str
    extract: str
    variables: tuple[Variable, ...]
    crosswalk: pa.Table | None = None

    def tables(self) -> dict[str, list[Variable]]:
        grouped: dict[str, list[Variable]] = {}
        for variable in self.variables:
            grouped.setdefault(variable.table, []).append(variable)
        return grouped


@dataclass
class BuiltTable:
    """One file of an extract: where it is, what it holds, and what was left out and why."""

    name: str
    agency: str
    dataset: str
    path: str
    rows: int
    columns: list[str]
    years: list[int]
    missing_years: list[int]
    dropped: list[str]
    population: str
    sha256: str
    bytes: int

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class BuiltExtract:
    folder: str
    key_id: str
    tables: list[BuiltTable] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def extract_key_id(project: str, extract: str) -> str:
    """The id of the key that encrypts one extract's files."""
    return check_key_id(f"extract.{_name(project)}.{_name(extract)}")


def extract_folder(root: Path | str, project: str, extract: str) -> Path:
    return Path(root).absolute() / "extracts" / _name(project) / _name(extract)


def _name(value: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ExtractError(f"invalid name {value!r}: lowercase letters, digits, _ and -")
    return value


# Building ------------------------------------------------------------------------------------

Step = Callable[[int, int, str], None]


def build_extract(
    spec: ExtractSpec,
    *,
    warehouse: Warehouse,
    pseudonym_key: bytes,
    progress: Step | None = None,
) -> BuiltExtract:
    """Build every table of `spec` into encrypted Parquet; return what was written."""
    if not spec.variables:
        raise ExtractError("the agreement grants no elements, so there is nothing to extract")
    key_id = extract_key_id(spec.project, spec.extract)
    warehouse.keys.create_key(key_id)
    folder = extract_folder(warehouse.root, spec.project, spec.extract)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    built = BuiltExtract(str(folder), key_id)
    tables = spec.tables()
    step = progress or (lambda done, total, line: None)
    for done, (name, variables) in enumerate(tables.items()):
        step(done, len(tables), f"building {name}")
        built.tables.append(
            _build_table(spec, name, variables, warehouse, pseudonym_key, folder, key_id)
        )
    step(len(tables), len(tables), "done")
    return built


def _population_of(name: str, variables: list[Variable]) -> Population:
    populations = {v.population for v in variables}
    if len(populations) > 1:
        raise ExtractError(
            f"the grants of {name} name different populations; one file needs one population"
        )
    return populations.pop()


def _read_years(
    warehouse: Warehouse, agency: str, dataset: str, years: Sequence[int], columns: list[str]
) -> tuple[pa.Table | None, list[int]]:
    parts, missing = [], []
    for year in years:
        try:
            part = warehouse.read(agency, dataset, year, columns=columns)
        except WarehouseError:
            missing.append(year)
            continue
        except (KeyError, pa.ArrowInvalid):
            raise ExtractError(
                f"{agency}/{dataset}/{year} in the warehouse lacks a granted column"
            ) from None
        parts.append(part.select(columns))
    if not parts:
        return None, missing
    return pa.concat_tables(parts, promote_options="permissive"), missing


def _eligible(warehouse: Warehouse, population: Population, years: Sequence[int]) -> pa.Table:
    """The SEA student ids in the population (enrolled in its grades, years and places)."""
    years = population.cohorts or years
    enrolled, _ = _read_years(
        warehouse, SEA, "enrollment", years, ["student_id", "grade", "school_id", "district_id"]
    )
    if enrolled is None:
        raise ExtractError(
            f"the population needs the Department's enrollment for {_span(years)}, "
            "which the warehouse does not hold"
        )
    where = []
    if population.grades:
        where.append("grade IN (SELECT unnest($grades))")
    places = []
    if population.schools:
        places.append("school_id IN (SELECT unnest($schools))")
    if population.districts:
        places.append("district_id IN (SELECT unnest($districts))")
    if places:
        where.append("(" + " OR ".join(places) + ")")
    sql = "SELECT DISTINCT student_id FROM enrolled"
    if where:
        sql += " WHERE " + " AND ".join(where)
    params = {
        "grades": list(population.grades),
        "schools": list(population.schools),
        "districts": list(population.districts),
    }
    with _duckdb() as con:
        con.register("enrolled", enrolled)
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        return con.sql(sql, params=used).to_arrow_table()


def _build_table(
    spec: ExtractSpec,
    name: str,
    variables: list[Variable],
    warehouse: Warehouse,
    key: bytes,
    folder: Path,
    key_id: str,
) -> BuiltTable:
    agency, dataset = variables[0].agency, variables[0].dataset
    if agency not in PERSON_COLUMNS:
        raise ExtractError(f"Steward does not know how {agency} identifies a person")
    person = PERSON_COLUMNS[agency]
    population = _population_of(name, variables)
    years = sorted({y for v in variables for y in v.years})
    kept = [v for v in variables if v.output is not None and v.element != YEAR]
    dropped = sorted(v.element for v in variables if v.output is None and v.element != person)
    source_columns = sorted({person, YEAR, *(v.element for v in kept)})
    source, missing = _read_years(warehouse, agency, dataset, years, source_columns)
    columns = [PERSON_ID, YEAR, *(v.output for v in kept)]
    if source is None:
        empty = _empty(columns, kept)
        parts, schema, rows = [empty], empty.schema, 0
    else:
        selected, prefix = _select(spec, agency, person, population, years, kept, source, warehouse)
        parts, schema, rows = (
            _keyed_parts(selected, key, prefix),
            _keyed_schema(selected),
            len(selected),
        )
    path = folder / f"{name}.parquet"
    with atomic_path(path) as tmp:
        warehouse.write_encrypted(tmp, parts, key_id, schema=schema, random_columns=[PERSON_ID])
    digest, size = file_sha256(path)
    return BuiltTable(
        name=name,
        agency=agency,
        dataset=dataset,
        path=str(path),
        rows=rows,
        columns=columns,
        years=[y for y in years if y not in missing],
        missing_years=missing,
        dropped=dropped,
        population=population.describe(),
        sha256=digest,
        bytes=size,
    )


def _output_sql(variable: Variable) -> str:
    column = f'src."{variable.element}"'
    if variable.output == BIRTH_YEAR:
        value = f"CAST(year(TRY_CAST({column} AS DATE)) AS SMALLINT)"
    else:
        value = column
    if variable.element == YEAR:
        return value
    return (
        f"CASE WHEN src.{YEAR} BETWEEN {variable.first_year} AND {variable.last_year} "
        f'THEN {value} END AS "{variable.output}"'
    )


def _select(
    spec: ExtractSpec,
    agency: str,
    person: str,
    population: Population,
    years: list[int],
    kept: list[Variable],
    source: pa.Table,
    warehouse: Warehouse,
) -> tuple[pa.Table, str]:
    """The granted rows and columns, with `_k`, what each row's pseudonym is keyed from (after
    the returned prefix), in place of the agency's identifier."""
    tables: dict[str, pa.Table] = {"src": source}
    joins, where = "", []
    params: dict[str, str] = {}
    if agency == SEA:
        key_sql, prefix = f'CAST(src."{person}" AS VARCHAR)', f"{SEA}:"
        sea_id = f'src."{person}"'
    elif spec.crosswalk is not None:
        tables["xw"] = spec.crosswalk
        # The SEA id of the same person, when linked: one pseudonym for one person everywhere.
        joins = _LINKED.replace("PERSON", person)
        key_sql, prefix = f"coalesce('{SEA}:' || xs.sea_id, $agency || ':' || src.\"{person}\")", ""
        params["agency"] = agency
        sea_id = "xs.sea_id"
    else:
        if population.restricted:
            raise ExtractError(
                f"the population ({population.describe()}) can be applied to {agency} records "
                "only through a match the agreement authorizes"
            )
        key_sql, prefix = f'CAST(src."{person}" AS VARCHAR)', f"{agency}:"
        sea_id = ""
    if population.restricted:
        tables["eligible"] = _eligible(warehouse, population, years)
        where.append(f"{sea_id} IN (SELECT student_id FROM eligible)")  # noqa: S608
    where.append(f"src.{YEAR} BETWEEN {years[0]} AND {years[-1]}")
    selected = None
    if not joins:
        selected = _select_plain(source, person, years, kept, tables.get("eligible"))
    if selected is None:
        selected = _select_sql(tables, key_sql, joins, where, kept, params)
    return selected, prefix


def _keyed_parts(selected: pa.Table, key: bytes, prefix: str) -> Iterator[pa.Table]:
    """The rows with their pseudonyms in place of `_k`, one row group at a time: the next row
    groups are keyed (in C, without the GIL) while the writer encodes this one."""

    def keyed(start: int) -> pa.Table:
        part = selected.slice(start, _ROW_GROUP)
        pseudonyms = pseudonym_column(part.column("_k"), key, prefix)
        return part.drop_columns(["_k"]).add_column(0, PERSON_ID, pseudonyms)

    workers = _KEYING_THREADS
    with ThreadPoolExecutor(workers, thread_name_prefix="keying") as ahead:
        pending: collections.deque[Future[pa.Table]] = collections.deque()
        for start in range(0, len(selected), _ROW_GROUP):
            pending.append(ahead.submit(keyed, start))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _keyed_schema(selected: pa.Table) -> pa.Schema:
    fields = [f for f in selected.schema if f.name != "_k"]
    return pa.schema([pa.field(PERSON_ID, pa.string()), *fields])


def _select_sql(
    tables: dict[str, pa.Table],
    key_sql: str,
    joins: str,
    where: list[str],
    kept: list[Variable],
    params: dict[str, str],
) -> pa.Table:
    """DuckDB selects, joins and filters: `_k` (what is keyed), the year, the granted columns."""
    outputs = ", ".join(_output_sql(v) for v in kept)
    sql = f"""
        SELECT * FROM (
            SELECT {key_sql} AS _k, CAST(src.{YEAR} AS SMALLINT) AS {YEAR}
                {", " + outputs if outputs else ""}
            FROM src {joins} WHERE {" AND ".join(where)}
        ) WHERE _k IS NOT NULL
    """  # noqa: S608
    with _duckdb() as con:
        for table_name, table in tables.items():
            con.register(table_name, table)
        return con.sql(sql, params=params or None).to_arrow_table()


# Column types that come back from DuckDB as they went in, so Arrow can stand in for it.
_PLAIN_TYPES = (
    pa.types.is_string,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_boolean,
    pa.types.is_date32,
)


def _select_plain(
    source: pa.Table,
    person: str,
    years: list[int],
    kept: list[Variable],
    eligible: pa.Table | None,
) -> pa.Table | None:
    """What `_select_sql` returns for a file that needs no match, computed by Arrow without
    carrying every value into DuckDB and back; None where only DuckDB gives the same table
    (birth years from dates, other column types)."""
    import pyarrow.compute as pc

    schema = source.schema
    ids, year = source.column(person), source.column(YEAR)
    if any(v.output == BIRTH_YEAR for v in kept) or not pa.types.is_string(ids.type):
        return None
    if not pa.types.is_integer(year.type):
        return None
    if not all(any(plain(schema.field(v.element).type) for plain in _PLAIN_TYPES) for v in kept):
        return None
    keep = pc.and_(
        pc.and_(pc.greater_equal(year, years[0]), pc.less_equal(year, years[-1])), pc.is_valid(ids)
    )
    if eligible is not None:
        allowed = eligible.column("student_id")
        if allowed.type != ids.type:
            return None
        keep = pc.and_(keep, pc.is_in(ids, value_set=allowed))
    if pc.all(keep, skip_nulls=False).as_py() is not True:
        source = source.filter(keep)
        year = source.column(YEAR)
    columns = {"_k": source.column(person), YEAR: year.cast(pa.int16())}
    for v in kept:
        value = source.column(v.element)
        if v.first_year > years[0] or v.last_year < years[-1]:
            inside = pc.and_(pc.greater_equal(year, v.first_year), pc.less_equal(year, v.last_year))
            value = pc.if_else(inside, value, pa.scalar(None, value.type))
        columns[v.output] = value
    return pa.table(columns)


def _empty(columns: list[str], kept: list[Variable]) -> pa.Table:
    types = {PERSON_ID: pa.string(), YEAR: pa.int16()}
    for v in kept:
        types[v.output] = pa.int16() if v.output == BIRTH_YEAR else _arrow_type(v.type)
    return pa.table({c: pa.array([], types[c]) for c in columns})


def _arrow_type(kind: str) -> pa.DataType:
    return {
        "integer": pa.int64(),
        "number": pa.float64(),
        "date": pa.date32(),
        "boolean": pa.bool_(),
    }.get(kind, pa.string())


@contextlib.contextmanager
def _duckdb() -> Iterator:
    import duckdb

    con = duckdb.connect(config={"enable_external_access": False})
    try:
        yield con
    finally:
        con.close()


def read_extract_table(warehouse: Warehouse, path: Path | str) -> pa.Table:
    """Decrypt one extract file (needs the extract's key in the warehouse's key service)."""
    return pq.read_table(path, decryption_properties=warehouse.decryption_properties())


def file_sha256(path: Path | str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


# The risk check ------------------------------------------------------------------------------


@dataclass
class TableRisk:
    """k-anonymity of one file over its quasi-identifiers, per school year."""

    table: str
    quasi_identifiers: list[str]
    records: int
    k: int
    small_records: int
    share: float
    rare: list[dict]

    def to_dict(self) -> dict:
        return dict(self.__dict__)


def risk_check(
    table: pa.Table, name: str, quasi: Sequence[str], k: int, top: int = 25
) -> TableRisk:
    """Equivalence classes over `quasi` within each school year: the smallest class, how many
    records sit in classes smaller than `k`, and the rarest combinations (counts, no ids)."""
    quasi = [q for q in quasi if q in table.column_names]
    if not quasi or table.num_rows == 0:
        return TableRisk(name, list(quasi), table.num_rows, table.num_rows, 0, 0.0, [])
    group = ", ".join(f'"{q}"' for q in [YEAR, *quasi])
    with _duckdb() as con:
        con.register("t", table.select([YEAR, *quasi]))
        con.execute(
            f"CREATE TEMP TABLE classes AS SELECT {group}, count(*) AS n FROM t GROUP BY ALL"  # noqa: S608
        )
        smallest, small = con.sql(
            "SELECT min(n), coalesce(sum(n) FILTER (WHERE n < $k), 0) FROM classes",
            params={"k": k},
        ).fetchall()[0]
        rare = con.sql(
            f"SELECT * FROM classes WHERE n < $k ORDER BY n, {group} LIMIT {int(top)}",  # noqa: S608
            params={"k": k},
        ).to_arrow_table()
    rows = [
        {"values": {c: _plain(r[c]) for c in [YEAR, *quasi]}, "records": int(r["n"])}
        for r in rare.to_pylist()
    ]
    share = int(small) / table.num_rows
    return TableRisk(name, list(quasi), table.num_rows, int(smallest), int(small), share, rows)


def _plain(value: object) -> str:
    return "" if value is None else str(value)


def quasi_columns(variables: Sequence[Variable]) -> list[str]:
    """The delivered columns that are quasi-identifiers (birth year always is)."""
    out = []
    for v in variables:
        if v.output is not None and (v.identifier == "quasi" or v.output == BIRTH_YEAR):
            out.append(v.output)
    return out


# The codebook --------------------------------------------------------------------------------


def _frictionless_type(kind: str) -> str:
    return {"code": "string", "string": "string"}.get(kind, kind)


def numeric_codes(variable: Variable) -> dict[int, str]:
    """How Stata and SPSS files number a code or yes/no variable, with its value labels."""
    if variable.type == "boolean":
        return {0: "No", 1: "Yes"}
    return {i + 1: f"{code}: {label}" for i, (code, label) in enumerate(variable.codes)}


def _missing_meaning(variable: Variable) -> str:
    outside = "empty outside the granted years"
    if variable.output == BIRTH_YEAR:
        return f"empty when the agency's record has no valid date of birth; {outside}"
    if variable.required:
        return f"the agency requires it, so empty only {outside}"
    return f"empty when the agency did not record it; {outside}"


def datapackage(spec: ExtractSpec, built: BuiltExtract, *, title: str) -> dict:
    """A Frictionless data package describing every file and variable of the extract."""
    tables = spec.tables()
    resources = []
    for table in built.tables:
        fields = [
            {
                "name": PERSON_ID,
                "title": "Project pseudonym",
                "type": "string",
                "description": "The same person has the same pseudonym in every file and every "
                "refresh of this project, and a different one in any other project.",
                "constraints": {"required": True},
            },
            {
                "name": YEAR,
                "title": "School year",
                "type": "integer",
                "description": "Starting calendar year of the school or academic year.",
            },
        ]
        for v in tables[table.name]:
            if v.output is None or v.element == YEAR:
                continue
            entry = {
                "name": v.output,
                "title": "Birth year" if v.output == BIRTH_YEAR else v.label,
                "type": "integer" if v.output == BIRTH_YEAR else _frictionless_type(v.type),
                "description": (
                    "Year of birth, from the date of birth (the date itself is not delivered)."
                    if v.output == BIRTH_YEAR
                    else v.definition
                ),
                "x-steward-source": f"{v.agency}/{v.dataset}/{v.element}",
                "x-steward-years": f"{v.first_year}-{v.last_year}",
                "x-steward-missing": _missing_meaning(v),
            }
            if v.unit:
                entry["x-steward-unit"] = v.unit
            if v.codes:
                entry["constraints"] = {"enum": [code for code, _ in v.codes]}
                entry["x-steward-codes"] = dict(v.codes)
            if v.codes or v.type == "boolean":
                entry["x-steward-stata-spss-values"] = {
                    str(n): text for n, text in numeric_codes(v).items()
                }
            fields.append(entry)
        resources.append(
            {
                "name": table.name.replace("_", "-"),
                "path": f"{table.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": fields, "missingValues": [""]},
                "x-steward-agency": table.agency,
                "x-steward-dataset": table.dataset,
                "x-steward-years": table.years,
                "x-steward-population": table.population,
                "x-steward-rows": table.rows,
                "x-steward-dropped": table.dropped,
            }
        )
    return {
        "profile": "tabular-data-package",
        "name": f"{spec.project}-{spec.extract}",
        "title": title,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "resources": resources,
    }


def codebook_html(package: Mapping) -> str:
    """A readable codebook page from the data package (every value escaped)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Codebook: {e(package['title'])}</title></head><body>",
        f"<h1>Codebook: {e(package['title'])}</h1>",
        "<p>Every file carries <code>person_id</code>, a pseudonym for this project only.</p>",
    ]
    for resource in package["resources"]:
        parts.append(f"<h2>{e(resource['path'])}</h2>")
        parts.append(
            f"<p>{e(resource['x-steward-agency'])} / {e(resource['x-steward-dataset'])}; years "
            f"{e(', '.join(map(str, resource['x-steward-years'])) or 'none')}; population: "
            f"{e(resource['x-steward-population'])}; {resource['x-steward-rows']:,} rows.</p>"
        )
        if resource["x-steward-dropped"]:
            parts.append(
                "<p>Direct identifiers granted but not delivered: "
                f"{e(', '.join(resource['x-steward-dropped']))}.</p>"
            )
        parts.append(
            "<table><thead><tr><th scope='col'>Variable</th><th scope='col'>Label</th>"
            "<th scope='col'>Type</th><th scope='col'>Codes</th><th scope='col'>Source</th>"
            "<th scope='col'>Years</th><th scope='col'>Missing values</th></tr></thead><tbody>"
        )
        for f in resource["schema"]["fields"]:
            codes = f.get("x-steward-codes") or {}
            numbers = f.get("x-steward-stata-spss-values") or {}
            code_text = "; ".join(f"{k} = {v}" for k, v in codes.items())
            if numbers:
                code_text += " (Stata/SPSS: " + "; ".join(f"{k} = {v}" for k, v in numbers.items())
                code_text += ")"
            parts.append(
                f"<tr><th scope='row'><code>{e(f['name'])}</code></th><td>{e(f['title'])}<br>"
                f"<small>{e(f.get('description', ''))}</small></td><td>{e(f['type'])}</td>"
                f"<td>{e(code_text)}</td><td>{e(f.get('x-steward-source', 'Steward'))}</td>"
                f"<td>{e(f.get('x-steward-years', ''))}</td>"
                f"<td>{e(f.get('x-steward-missing', 'never empty'))}</td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_codebook(spec: ExtractSpec, built: BuiltExtract, *, title: str) -> dict:
    """Write datapackage.json and codebook.html beside the files (they hold no student rows)."""
    package = datapackage(spec, built, title=title)
    folder = Path(built.folder)
    atomic_write_text(folder / "datapackage.json", json.dumps(package, indent=2) + "\n")
    atomic_write_text(folder / "codebook.html", codebook_html(package))
    return package


# Delivery: each recipient's copy ---------------------------------------------------------------


def fingerprint_order(table: pa.Table, seed: bytes) -> pa.Table:
    """The rows in an order keyed by `seed`: people in a recipient's own permutation."""
    if table.num_rows == 0:
        return table
    with _duckdb() as con:
        con.register("t", table)
        return con.sql(
            f"SELECT t.* FROM t ORDER BY sha256($seed || {PERSON_ID}), {YEAR}",  # noqa: S608
            params={"seed": seed.hex()},
        ).to_arrow_table()


def fingerprint_trace(leaked: pa.Table, seeds: Mapping[str, bytes]) -> dict[str, float]:
    """For each candidate, the share of consecutive people in the leaked file that follow that
    candidate's order: about 1.0 for the recipient whose copy leaked, about 0.5 for others."""
    people = leaked.column(PERSON_ID).to_pylist()
    sequence = [p for i, p in enumerate(people) if i == 0 or p != people[i - 1]]
    scores = {}
    for candidate, seed in seeds.items():
        ranks = [hashlib.sha256((seed.hex() + p).encode()).hexdigest() for p in sequence]
        pairs = max(len(ranks) - 1, 1)
        scores[candidate] = sum(a <= b for a, b in itertools.pairwise(ranks)) / pairs
    return scores


def deliver(
    table: pa.Table,
    fmt: str,
    *,
    variables: Sequence[Variable],
    seed: bytes,
    fingerprint: str,
    title: str,
) -> bytes:
    """One recipient's copy of one file, in memory: ordered by their seed, marked with their
    fingerprint code in the file's metadata; Stata and SPSS with variable and value labels."""
    if fmt not in FORMATS:
        raise ExtractError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ordered = fingerprint_order(table, seed)
    if fmt == "parquet":
        marked = ordered.replace_schema_metadata(
            {"steward.fingerprint": fingerprint, "steward.title": title}
        )
        buffer = io.BytesIO()
        pq.write_table(marked, buffer)
        return buffer.getvalue()
    if fmt == "csv":
        import pyarrow.csv as pacsv

        buffer = io.BytesIO()
        pacsv.write_csv(ordered, buffer)
        return buffer.getvalue()
    return _labelled(ordered, fmt, variables, fingerprint, title)


def _labelled(
    table: pa.Table, fmt: str, variables: Sequence[Variable], fingerprint: str, title: str
) -> bytes:
    import pyreadstat

    by_output = {v.output: v for v in variables if v.output}
    frame = table.to_pandas(date_as_object=True)
    labels, value_labels = [], {}
    for column in table.column_names:
        variable = by_output.get(column)
        if column == PERSON_ID:
            labels.append("Project pseudonym")
        elif column == YEAR:
            labels.append("School year")
        elif column == BIRTH_YEAR:
            labels.append("Birth year")
        else:
            labels.append(variable.label if variable else column)
        if variable and (variable.codes or variable.type == "boolean"):
            numbers = numeric_codes(variable)
            if variable.type == "boolean":
                frame[column] = frame[column].map({False: 0, True: 1})
            else:
                index = {code: i + 1 for i, (code, _) in enumerate(variable.codes)}
                frame[column] = frame[column].map(index)
            frame[column] = frame[column].astype("float64")
            value_labels[column] = numbers
    file_label = f"{title} (copy {fingerprint})"[:80]
    return _in_memory_file(
        lambda path: (pyreadstat.write_dta if fmt == "dta" else pyreadstat.write_sav)(
            frame,
            path,
            file_label=file_label,
            column_labels=labels,
            variable_value_labels=value_labels,
        )
    )


def _in_memory_file(write: Callable[[str], object]) -> bytes:
    """Let a library that writes only to paths write into anonymous memory, never to disk."""
    fd = os.memfd_create("steward-delivery", os.MFD_CLOEXEC)
    try:
        write(f"/proc/self/fd/{fd}")
        size = os.fstat(fd).st_size
        return os.pread(fd, size, 0)
    finally:
        os.close(fd)
