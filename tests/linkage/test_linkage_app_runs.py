from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from steward.core.models import AuditEntry
from steward.dataplane.linkage import read_crosswalk
from steward.linkage.models import LinkageRun
from steward.linkage.services import linkage_run_execute, linkage_run_start

pytestmark = pytest.mark.django_db


def test_a_steward_of_a_third_agency_is_refused(db, people):
    with pytest.raises(PermissionDenied):
        linkage_run_start(actor=people["victor"], from_agency="sea", to_agency="postsecondary")
    with pytest.raises(PermissionDenied):
        linkage_run_start(actor=people["alex"], from_agency="sea", to_agency="postsecondary")


def test_a_run_records_its_inputs_and_figures_and_writes_an_encrypted_crosswalk_apart(
    ingested, people, data_dir
):
    from steward.catalog.services import warehouse

    run = linkage_run_execute(
        actor=people["rosa"],
        from_agency="sea",
        to_agency="postsecondary",
        truth=str(ingested / "truth" / "postsecondary_links.csv"),
    )

    assert run.status == LinkageRun.Status.SUCCEEDED
    inputs = {(v.dataset.agency_code, v.dataset.code, v.year) for v in run.input_versions.all()}
    years = range(2015, 2020)
    assert inputs == {(a, "enrollment", y) for a in ("sea", "postsecondary") for y in years}
    assert run.config["threshold"] == 0.9
    assert run.counts["linked_pairs"] > 50
    assert run.metrics["f1"] >= 0.95
    crosswalk = data_dir / run.crosswalk_path
    assert crosswalk.is_file()
    assert crosswalk.is_relative_to(data_dir / "linkage")
    assert not crosswalk.is_relative_to(data_dir / "warehouse")
    table = read_crosswalk(data_dir, warehouse().keys, run.key)
    assert set(table["agency"].to_pylist()) == {"sea", "postsecondary"}
    assert b"agency_id" not in crosswalk.read_bytes()
    actions = list(
        AuditEntry.objects.filter(object_id=str(run.pk), object_type="linkage.linkagerun")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["linkage_run.started", "linkage_run.succeeded"]


def test_the_demo_links_the_sea_with_the_college_records_and_makes_the_run_current(
    ingested, people
):
    from io import StringIO

    from steward.linkage.demo import linkage_demo_seed
    from steward.linkage.models import Crosswalk

    run = linkage_demo_seed(stdout=StringIO(), state_dir=ingested)

    assert run.metrics is not None
    assert Crosswalk.objects.get(mode="clear").run == run
    assert linkage_demo_seed(stdout=StringIO(), state_dir=ingested) is None
