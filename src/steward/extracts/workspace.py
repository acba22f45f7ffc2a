"""The workspace engine: one SELECT over a project's decrypted extract in a locked DuckDB, and
the disclosure check of its result. No Django here: tables, SQL and rules in, a verdict out.

The engine refuses any statement but one SELECT (so COPY, ATTACH, INSTALL, LOAD, SET, PRAGMA,
CREATE are refused before they run), refuses functions that read files or generate rows, and
runs with external access disabled and the configuration locked, under a memory limit and a
time limit. A result is shown only when it is an aggregate whose every row stands for at least
the threshold of records: the engine counts the records behind each row itself (it adds
``count(*)`` to the query's own SELECT list), so a typed-in count proves nothing.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from steward.dataplane.extract import PERSON_ID
from steward.dataplane.sdc import DisclosureRules, check_counts

COUNT = "__steward_n"
MAX_ROWS = 500
MAX_SQL = 10_000
# Functions that reach files, the network, the catalog or settings, or make rows from nothing
# (which would let a query inflate its own counts).
_FORBIDDEN = re.compile(
    r"\b(read_\w+|scan_\w+|\w+_scan|glob|sniff_csv|parquet_\w+|delta_\w+|iceberg_\w+|"
    r"duckdb_\w+|pragma_\w+|current_setting|getenv|range|generate_series|unnest|repeat_row|"
    r"query|query_table|json_deserialize_sql|icu_\w+|which_secret|load_\w+|install_\w+)\s*\(",
    re.IGNORECASE,
)
_PATH = re.compile(r"'[^']*(/|\\|\.csv|\.parquet|\.json|\.db|\.duckdb|://)[^']*'", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    memory: str = "512MB"
    seconds: float = 20.0
    threads: int = 1


@dataclass
class Verdict:
    """What the researcher sees: the rows when they pass, otherwise the reasons."""

    outcome: str  # shown, withheld, refused, failed
    reasons: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return self.outcome == "shown"


class Refused(ValueError):
    """A query the workspace will not run; the message says why."""


def check_sql(sql: str) -> None:
    """Refuse anything but a single SELECT that touches no file, setting or row generator."""
    import duckdb

    if not sql.strip():
        raise Refused("Write a SELECT query.")
    if len(sql) > MAX_SQL:
        raise Refused(f"A query may be at most {MAX_SQL:,} characters.")
    con = duckdb.connect(config={"enable_external_access": False})
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error:
        raise Refused("The query could not be read as SQL; check its syntax.") from None
    finally:
        con.close()
    if len(statements) != 1:
        raise Refused("Run one statement at a time.")
    kind = statements[0].type.name
    if kind != "SELECT":
        raise Refused(
            f"Only SELECT queries run in the workspace; {kind} statements (such as COPY, "
            "ATTACH, INSTALL, LOAD, SET, PRAGMA or CREATE) are refused."
        )
    found = _FORBIDDEN.search(sql)
    if found:
        raise Refused(f"The function {found.group(1)}() is not available in the workspace.")
    if _PATH.search(sql):
        raise Refused("The workspace does not read files; query the extract's tables by name.")


def _connect(tables: Mapping[str, pa.Table], limits: Limits):
    import duckdb

    con = duckdb.connect(
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": limits.memory,
            "threads": limits.threads,
            "max_temp_directory_size": "0KB",
        }
    )
    for name, table in tables.items():
        con.register(name, table)
    con.execute("SET lock_configuration = true")
    return con


def _with_count(con, sql: str) -> str:
    """The query with ``count(*) AS __steward_n`` added to its outermost SELECT list."""
    tree = json.loads(con.sql("SELECT json_serialize_sql($q)", params={"q": sql}).fetchall()[0][0])
    if tree.get("error"):
        raise Refused("The query could not be read as SQL; check its syntax.")
    node = tree["statements"][0]["node"]
    if node.get("type") != "SELECT_NODE":
        raise Refused("Write one SELECT ... GROUP BY query; UNION and similar are not checked.")
    extra = json.loads(
        con.sql(f"SELECT json_serialize_sql('SELECT count(*) AS {COUNT}')").fetchall()[0][0]
    )["statements"][0]["node"]["select_list"][0]
    node["select_list"].append(extra)
    return con.sql("SELECT json_deserialize_sql($j)", params={"j": json.dumps(tree)}).fetchall()[0][
        0
    ]


def run_query(
    sql: str, tables: Mapping[str, pa.Table], rules: DisclosureRules, limits: Limits = Limits()
) -> Verdict:
    """Run `sql` over `tables` and check its result; never raises for the researcher's SQL."""
    import duckdb

    try:
        check_sql(sql)
    except Refused as error:
        return Verdict("refused", [str(error)])
    con = _connect(tables, limits)
    timer = threading.Timer(limits.seconds, con.interrupt)
    timer.start()
    try:
        counted = _with_count(con, sql)
        result = con.sql(counted).to_arrow_table()
    except Refused as error:
        return Verdict("refused", [str(error)])
    except duckdb.InterruptException:
        return Verdict("failed", [f"The query ran longer than {limits.seconds:g} seconds."])
    except duckdb.OutOfMemoryException:
        return Verdict("failed", [f"The query needed more than {limits.memory} of memory."])
    except duckdb.BinderException as error:
        if "GROUP BY" in str(error) or "aggregate" in str(error):
            return Verdict(
                "withheld",
                [
                    "Row-level results are never shown: aggregate with GROUP BY (counts, "
                    "means, rates), and every row is checked against the disclosure rules."
                ],
            )
        return Verdict("failed", [_first_line(error)])
    except duckdb.Error as error:
        return Verdict("failed", [_first_line(error)])
    finally:
        timer.cancel()
        con.close()
    return check_result(result, rules)


def _first_line(error: Exception) -> str:
    # DuckDB's messages name columns and functions of the query, not values of the data.
    return str(error).splitlines()[0][:300]


def check_result(result: pa.Table, rules: DisclosureRules) -> Verdict:
    """Show `result` (which carries the engine's own count per row) only if every row passes."""
    columns = [c for c in result.column_names if c != COUNT]
    if PERSON_ID in columns:
        return Verdict("withheld", ["A result may not list pseudonyms (person_id)."])
    if result.num_rows > MAX_ROWS:
        return Verdict("withheld", [f"A result may have at most {MAX_ROWS} rows; group more."])
    counts = [int(n) for n in result.column(COUNT).to_pylist()]
    check = check_counts(dict(enumerate(counts)), rules)
    if not check.passed:
        reasons = [f"Row {cell.key[0] + 1}: {cell.reasons[0]}." for cell in check.failures]
        return Verdict("withheld", reasons, columns)
    rows = [[_cell(v) for v in row.values()] for row in result.select(columns).to_pylist()]
    return Verdict("shown", [], columns, rows, counts)


def _cell(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return round(value, 6)
    return str(value)
