"""Reading an agency's source files (as the synthetic state writes them) for linkage."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .prepare import AGENCY_SOURCES, person_records


def read_agency_tables(state_dir: Path | str, agency: str) -> list[pa.Table]:
    """Every yearly file of the agency's people dataset, ids and dates read as text."""
    dataset, id_column = AGENCY_SOURCES[agency]
    folder = Path(state_dir) / agency / dataset
    text = {c: pa.string() for c in (id_column, "birth_date", "middle_name", "sex")}
    tables = []
    for path in sorted(folder.glob("*.csv")):
        tables.append(pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=text)))
    for path in sorted(folder.glob("*.parquet")):
        tables.append(pq.read_table(path))
    if not tables:
        raise FileNotFoundError(f"no files for {agency}/{dataset} under {state_dir}")
    return tables


def read_agency_people(state_dir: Path | str, agency: str) -> pa.Table:
    """One record per person of the agency (``person_records`` over its yearly files)."""
    return person_records(
        read_agency_tables(state_dir, agency), id_column=AGENCY_SOURCES[agency][1]
    )


def read_truth(state_dir: Path | str, agency: str) -> pa.Table:
    """The synthetic state's true links from the SEA to ``agency`` (two string columns)."""
    path = Path(state_dir) / "truth" / f"{agency}_links.csv"
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    return pa.table(
        [table.column(0).cast(pa.string()), table.column(1).cast(pa.string())],
        names=table.column_names,
    )
