"""What happens on each agency's side of a linkage: its files decrypted in memory, and, in the
privacy-preserving mode, its identifiers encoded with a secret that the linkage step never reads.

In the demo and the CLI the agencies' linkage secret sits in the one key file under
``pprl.<sea>.<other>``, standing for the key store each agency keeps for itself; the platform's
linkage step (`link_encoded`) receives only the encoded tables.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from steward.catalog.models import DatasetVersion, Element
from steward.catalog.services import warehouse
from steward.dataplane.keys import check_key_id
from steward.dataplane.linkage import (
    AGENCY_SOURCES,
    LinkageInputError,
    encode_identifiers,
    person_records,
    record_tokens,
)
from steward.dataplane.linkage.prepare import IDENTIFIER_COLUMNS

RECORD_FIELDS = ("first_name", "middle_name", "last_name", "birth_date", "sex")


def linkage_secret_key_id(sea: str, other: str) -> str:
    """The id of the secret the two agencies share for encoding (never read by the linker)."""
    return check_key_id(f"pprl.{sea}.{other}")


def _columns(version: DatasetVersion, id_column: str) -> list[str]:
    present = set(
        Element.objects.filter(
            dataset=version.dataset, active=True, name__in=IDENTIFIER_COLUMNS
        ).values_list("name", flat=True)
    )
    return [id_column, *(c for c in IDENTIFIER_COLUMNS if c in present)]


def agency_tables(
    agency: str, versions: Sequence[DatasetVersion], *, ids: Sequence[str] | None = None
) -> list[pa.Table]:
    """The identifying columns of the given versions, decrypted in memory (optionally some ids)."""
    dataset, id_column = AGENCY_SOURCES[agency]
    store = warehouse()
    tables = []
    for version in versions:
        table = store.read(
            agency, dataset, version.year, version.version, columns=_columns(version, id_column)
        )
        if ids is not None:
            wanted = pa.array(list(ids), pa.string())
            table = table.filter(pc.is_in(table[id_column].cast(pa.string()), value_set=wanted))
        tables.append(table)
    return tables


def agency_people(
    agency: str, versions: Sequence[DatasetVersion], *, ids: Sequence[str] | None = None
) -> pa.Table:
    """One record per person of the agency (``person_records``) from the given versions."""
    if not versions:
        raise LinkageInputError(f"no accepted {AGENCY_SOURCES[agency][0]} file of {agency}")
    tables = agency_tables(agency, versions, ids=ids)
    return person_records(tables, id_column=AGENCY_SOURCES[agency][1])


def agency_encode(people: pa.Table, *, agency: str, secret_key_id: str) -> pa.Table:
    """The agency encodes its own people with the shared secret before anything leaves it."""
    secret = warehouse().keys.create_key(secret_key_id)
    return encode_identifiers(people, secret=secret, agency=agency)


def agency_tokens(ids: Sequence[str], *, agency: str, secret_key_id: str) -> dict[str, str]:
    """The agency's map from record token back to its own id (only the agency can make it)."""
    secret = warehouse().keys.get_key(secret_key_id)
    return dict(zip(record_tokens(ids, secret=secret, agency=agency), ids, strict=True))


def agency_record(
    agency: str, versions: Sequence[DatasetVersion], record_id: str, *, secret_key_id: str = ""
) -> dict[str, str] | None:
    """The identifying fields of one person (by id, or by token in the privacy mode)."""
    if secret_key_id:
        everyone = agency_people(agency, versions)
        ids = everyone["person_id"].to_pylist()
        record_id = agency_tokens(ids, agency=agency, secret_key_id=secret_key_id).get(record_id)
        if record_id is None:
            return None
    people = agency_people(agency, versions, ids=[record_id])
    if people.num_rows == 0:
        return None
    row = people.to_pylist()[0]
    fields = {"id": str(row["person_id"])}
    fields.update({name: row.get(name) or "" for name in RECORD_FIELDS})
    return fields
