from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.catalog.services import warehouse
from steward.core.models import AuditEntry
from steward.dataplane.linkage import read_crosswalk
from steward.linkage.models import ReviewPair
from steward.linkage.selectors import measured_precision
from steward.linkage.services import linkage_run_execute, pair_decide

pytestmark = pytest.mark.django_db

WIDE_BAND = (0.01, 1.0)  # every model-made candidate, so the small state has pairs to review


def _run(people, who="daniel", **options):
    return linkage_run_execute(
        actor=people[who], from_agency="sea", to_agency="postsecondary", **options
    )


def _master_of(run, data_dir) -> dict[tuple[str, str], str]:
    table = read_crosswalk(data_dir, warehouse().keys, run.key).to_pylist()
    return {(row["agency"], row["agency_id"]): row["master_id"] for row in table}


def test_decisions_are_kept_and_change_the_next_run(ingested, people, data_dir):
    first = _run(people, review_band=WIDE_BAND)
    linked = first.review_pairs.filter(linked=True).order_by("position")
    rejected, confirmed = linked[0], linked[1]
    pair_decide(actor=people["rosa"], pair=rejected, decision="non_match")
    pair_decide(actor=people["daniel"], pair=confirmed, decision="match")

    second = _run(people, review_band=WIDE_BAND)

    assert (second.counts["forced_non_matches"], second.counts["forced_matches"]) == (1, 1)
    masters = _master_of(second, data_dir)
    sea, other = ("sea", rejected.sea_id), ("postsecondary", rejected.other_id)
    assert masters[sea] != masters[other]
    assert masters[("sea", confirmed.sea_id)] == masters[("postsecondary", confirmed.other_id)]
    assert first.counts["linked_pairs"] - 1 <= second.counts["linked_pairs"]
    # Decided pairs are not put up for review again.
    decided = {(rejected.sea_id, rejected.other_id), (confirmed.sea_id, confirmed.other_id)}
    again = {(p.sea_id, p.other_id) for p in second.review_pairs.all()}
    assert not decided & again
    # The first run's measured precision: of its two reviewed links, one was right.
    assert measured_precision(first) == 0.5


def test_a_record_cannot_be_decided_the_same_person_as_two_records(ingested, people):
    run = _run(people, review_band=WIDE_BAND)
    pair = run.review_pairs.filter(linked=True).first()
    rival = ReviewPair.objects.create(
        run=run,
        position=10_000,
        sea_id=pair.sea_id,
        other_id="H-someone-else",
        probability=0.5,
        match_weight=0.0,
        linked=False,
    )
    pair_decide(actor=people["daniel"], pair=pair, decision="match")

    with pytest.raises(ValidationError):
        pair_decide(actor=people["rosa"], pair=rival, decision="match")
    assert ReviewPair.objects.get(pk=rival.pk).decision == ""


def test_the_review_page_shows_both_records_to_the_agencies_stewards_and_audits_each_view(
    ingested, people, client_for
):
    run = _run(people, review_band=WIDE_BAND)
    pair = run.review_pairs.order_by("position").first()
    url = reverse("linkage:pair", kwargs={"run_id": run.pk, "position": pair.position})
    before = AuditEntry.objects.filter(action="review_pair.viewed").count()

    response = client_for("rosa").get(url)

    assert response.status_code == 200
    records = response.context["records"]
    assert records["sea"]["id"] == pair.sea_id
    assert records["other"]["id"] == pair.other_id
    assert records["sea"]["last_name"] and records["other"]["birth_date"]
    entry = AuditEntry.objects.filter(action="review_pair.viewed").latest("seq")
    assert AuditEntry.objects.filter(action="review_pair.viewed").count() == before + 1
    assert entry.actor_id == people["rosa"].pk
    assert entry.summary == {"run": run.pk, "position": pair.position}
    assert pair.sea_id not in str(entry.summary)


def test_the_records_of_a_pair_are_refused_to_anyone_but_the_two_agencies_stewards(
    ingested, people, client_for
):
    run = _run(people, review_band=WIDE_BAND)
    pair = run.review_pairs.first()
    url = reverse("linkage:pair", kwargs={"run_id": run.pk, "position": pair.position})

    assert client_for("victor").get(url).status_code == 404
    assert client_for("priya").get(url).status_code == 403
    with pytest.raises(PermissionDenied):
        pair_decide(actor=people["victor"], pair=pair, decision="match")
    # The run page lists the queue without a single id or name.
    page = client_for("priya").get(reverse("linkage:run", kwargs={"run_id": run.pk}))
    assert page.status_code == 200
    assert pair.sea_id not in page.content.decode()
    assert not AuditEntry.objects.filter(action="review_pair.viewed").exists()
