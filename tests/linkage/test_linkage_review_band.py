"""The review band (the match probabilities whose pairs go to clerical review): set from the
command line or the start form, validated, recorded in the run's settings, shown on its page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from steward.core.jobs import job_run
from steward.core.models import Job
from steward.dataplane.linkage.quality import default_review_band
from steward.linkage import services
from steward.linkage.models import LinkageRun
from steward.linkage.services import linkage_run_start, review_band_check

THRESHOLD = 0.9


def test_a_band_that_holds_the_threshold_is_kept():
    assert review_band_check((0.5, 0.99), threshold=THRESHOLD) == (0.5, 0.99)
    assert review_band_check([0, 1], threshold=THRESHOLD) == (0.0, 1.0)
    assert review_band_check((0.2, 0.9), threshold=THRESHOLD) == (0.2, 0.9)


def test_no_band_means_three_bits_either_side_of_the_threshold():
    low, high = review_band_check(None, threshold=THRESHOLD)
    assert (low, high) == default_review_band(THRESHOLD)
    assert low == pytest.approx(9 / 17)  # odds 9 divided by 8
    assert high == pytest.approx(72 / 73)  # odds 9 times 8


@pytest.mark.parametrize(
    "band",
    [
        (0.95, 0.99),  # low above the threshold
        (0.9, 0.99),  # low at the threshold
        (0.5, 0.8),  # high below the threshold
        (-0.1, 0.95),
        (0.5, 1.2),
        (0.6, float("nan")),
    ],
)
def test_a_band_that_misses_the_threshold_or_leaves_zero_to_one_is_refused(band):
    with pytest.raises(ValidationError, match=r"0 <= low < threshold \(0.9\) <= high <= 1"):
        review_band_check(band, threshold=THRESHOLD)


def test_a_band_that_is_not_two_numbers_is_refused():
    with pytest.raises(ValidationError, match="two probabilities"):
        review_band_check(("low", 0.95), threshold=THRESHOLD)


@pytest.mark.django_db
def test_the_link_command_refuses_a_bad_band_naming_the_option_and_starts_nothing(people):
    with pytest.raises(CommandError, match=r"^--review-band: The review band must satisfy"):
        call_command("link", "--to", "postsecondary", "--review-band", "0.95", "0.99")
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_start_form_refuses_a_bad_band_on_its_field_and_starts_nothing(people, client_for):
    client = client_for("rosa")
    start = reverse("linkage:start")
    common = {"to_agency": "postsecondary", "mode": "clear"}

    above = client.post(start, {**common, "review_band_low": "0.95", "review_band_high": "0.99"})
    half = client.post(start, {**common, "review_band_low": "0.5"})
    outside = client.post(start, {**common, "review_band_low": "0.5", "review_band_high": "1.5"})

    assert above.status_code == half.status_code == outside.status_code == 400
    assert above.context["form"].errors["review_band_low"] == [
        "The review band must satisfy 0 <= low < threshold (0.9) <= high <= 1; "
        "got low 0.95, high 0.99."
    ]
    assert "0 &lt;= low &lt; threshold (0.9) &lt;= high &lt;= 1" in above.content.decode()
    assert half.context["form"].errors["review_band_high"] == [
        "Give both ends of the review band, or neither."
    ]
    assert "review_band_high" in outside.context["form"].errors
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_the_start_form_passes_a_good_band_to_the_job(people, client_for):
    response = client_for("rosa").post(
        reverse("linkage:start"),
        {
            "to_agency": "postsecondary",
            "mode": "clear",
            "review_band_low": "0.3",
            "review_band_high": "0.97",
        },
    )
    job = Job.objects.get(kind=services.RUN_JOB)
    assert response.status_code == 302
    assert job.params["review_band"] == [0.3, 0.97]


@pytest.mark.django_db
def test_a_run_records_its_band_queues_only_pairs_within_it_and_its_page_shows_it(
    ingested, people, client_for
):
    job = linkage_run_start(
        actor=people["daniel"],
        from_agency="sea",
        to_agency="postsecondary",
        review_band=(0.05, 0.999),
    )
    job_run(job)

    run = LinkageRun.objects.get()
    assert run.status == LinkageRun.Status.SUCCEEDED
    assert run.config["review_band"] == [0.05, 0.999]
    probabilities = list(run.review_pairs.values_list("probability", flat=True))
    assert probabilities and all(0.05 <= p < 0.999 for p in probabilities)
    page = client_for("rosa").get(reverse("linkage:run", kwargs={"run_id": run.pk}))
    body = page.content.decode()
    assert "review band 0.0500 to 0.9990" in body
    assert "match probability from 0.0500 up to (not including) 0.9990" in body


@pytest.mark.django_db
def test_a_run_recorded_without_a_band_shows_the_default_it_used(people, client_for):
    from steward.accounts.models import Organization

    agencies = {o.agency_kind: o for o in Organization.objects.filter(kind="agency")}
    run = LinkageRun.objects.create(
        from_agency=agencies["sea"],
        to_agency=agencies["postsecondary"],
        status=LinkageRun.Status.SUCCEEDED,
        config={"threshold": 0.9, "candidate_floor": 0.01, "u_max_pairs": 2e6, "seed": 0},
        started_by=people["daniel"],
    )
    page = client_for("daniel").get(reverse("linkage:run", kwargs={"run_id": run.pk}))
    assert page.status_code == 200
    assert "review band 0.5294 to 0.9863" in page.content.decode()
