"""The linked data behind outcomes after school: the other agencies' accepted records (every
year the warehouse holds) and the SEA-to-agency crosswalks of the current linkage runs, as the
pure report builder reads them (`links`: student_id, agency, other_id)."""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from steward.catalog.models import DatasetVersion
from steward.catalog.services import warehouse

# Report dataset name: (agency, warehouse dataset, columns kept).
OUTCOME_DATASETS = {
    "ps_enrollment": ("postsecondary", "enrollment", ["school_year", "ps_student_id"]),
    "wages": ("workforce", "wages", ["year", "quarter", "wf_person_id", "wages"]),
}
LINKED_DATASETS = frozenset({*OUTCOME_DATASETS, "links"})
AGENCY_OF = {"ps_enrollment": "postsecondary", "wages": "workforce"}


def _latest(agency: str, dataset: str) -> dict[int, int]:
    versions = DatasetVersion.objects.filter(
        dataset__agency_code=agency, dataset__code=dataset, status="accepted"
    ).order_by("year", "-version")
    latest: dict[int, int] = {}
    for v in versions:
        latest.setdefault(v.year, v.version)
    return latest


def _crosswalk_links(agency: str) -> pa.Table | None:
    """SEA student id and the agency's id of each linked person, from the current crosswalk."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    from steward.dataplane.keys import LocalKeyFile
    from steward.dataplane.linkage.crosswalk import read_crosswalk
    from steward.dataplane.warehouse import query
    from steward.linkage.services import current_crosswalk_run

    try:
        run = current_crosswalk_run("sea", agency)
    except ValidationError:
        return None
    crosswalk = read_crosswalk(settings.DATA_DIR, LocalKeyFile(settings.KEY_FILE), run.key)
    # The agency code comes from the fixed OUTCOME_DATASETS above.
    where = f"s.agency = 'sea' AND o.agency = '{agency}'"
    sql = (
        "SELECT s.agency_id AS student_id, o.agency AS agency, o.agency_id AS other_id "  # noqa: S608
        f"FROM c s JOIN c o ON o.master_id = s.master_id WHERE {where}"
    )
    return query(sql, {"c": crosswalk})


def linked_tables(datasets: Iterable[str]) -> dict[str, pa.Table]:
    """The outcome tables and the links a measure needs; absent ones are left out (the builder
    then says what is missing)."""
    wanted = [d for d in datasets if d in OUTCOME_DATASETS]
    if not wanted:
        return {}
    store = warehouse()
    tables: dict[str, pa.Table] = {}
    for name in wanted:
        agency, dataset, columns = OUTCOME_DATASETS[name]
        latest = _latest(agency, dataset)
        if latest:
            parts = [store.read(agency, dataset, y, v, columns=columns) for y, v in latest.items()]
            tables[name] = pa.concat_tables(parts, promote_options="permissive")
    links = [_crosswalk_links(AGENCY_OF[name]) for name in wanted]
    links = [table for table in links if table is not None]
    if links:
        tables["links"] = pa.concat_tables(links)
    return tables
