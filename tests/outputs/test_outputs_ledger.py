"""The ledger of releases: a release keeps its certificate, which verifies; a table whose
difference with a released one exposes a small group is refused, naming the release."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from steward.core.models import AuditEntry
from steward.outputs.models import Release
from steward.outputs.selectors import release_check
from steward.outputs.services import release_record, table_protect

pytestmark = pytest.mark.django_db

# North district's schools; school C has 4 students, so it is hidden in the first table.
WITH_C = "school,n\nA,30\nB,23\nC,4\n"
WITHOUT_C = "school,n\nA,30\nB,23\n"
POPULATION = "Enrollment, fall 2024, North district"


def _protect(person, text):
    return table_protect(actor=person, data=text.encode(), name="north.csv", dims=["school"],
                         count="n")  # fmt: skip


def _release(person, table, title="North by school", population=POPULATION):
    return release_record(actor=person, protected_table=table, title=title,
                          population=population, source=Release.Source.SEA_REPORT)  # fmt: skip


def test_a_release_keeps_its_table_certificate_and_one_audit_entry(people):
    maya = people["maya"]
    table = _protect(maya, WITH_C)
    before = AuditEntry.objects.count()
    release = _release(maya, table)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.release_record" and entry.summary["audited_with"] == []
    assert entry.summary["verified"] is True  # a small release is verified as it is recorded
    assert release.certificate == table.certificate
    assert release.certificate_sha256 == table.certificate_sha256
    assert release.released_by == maya and release.n_suppressed == table.n_suppressed


def test_a_released_certificate_verifies(people):
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    assert release_check(release).ok


def test_a_certificate_altered_after_release_does_not_verify(people):
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    release.certificate["suppressed"] = release.certificate["suppressed"][:1]
    result = release_check(release)
    assert not result.ok
    assert "the certificate differs from the one recorded (sha256 mismatch)" in result.problems


def test_a_table_whose_difference_with_a_released_one_exposes_a_small_school_is_refused(people):
    maya = people["maya"]
    first = _release(maya, _protect(maya, WITH_C))
    second = _protect(maya, WITHOUT_C)
    assert second.passed and second.n_suppressed == 0  # safe on its own
    before = (AuditEntry.objects.count(), Release.objects.count())
    with pytest.raises(ValidationError) as refused:
        _release(maya, second, title="North without school C")
    message = refused.value.messages[0]
    assert f"release {first.pk} (North by school)" in message
    assert "the group C could be worked out" in message
    assert (AuditEntry.objects.count(), Release.objects.count()) == before


def test_tables_of_another_population_are_not_audited_together(people):
    maya = people["maya"]
    _release(maya, _protect(maya, WITH_C))
    other = _release(maya, _protect(maya, WITHOUT_C), population="Enrollment, fall 2023, North")
    assert other.pk


def test_populations_are_compared_without_regard_to_case_or_spacing(people):
    maya = people["maya"]
    _release(maya, _protect(maya, WITH_C))
    with pytest.raises(ValidationError):
        _release(
            maya, _protect(maya, WITHOUT_C), population="enrollment,  FALL 2024, north district"
        )


def test_only_the_uploader_can_release_a_protected_table(people):
    table = _protect(people["maya"], WITH_C)
    with pytest.raises(ValidationError, match="Only the person who protected"):
        _release(people["priya"], table)


def test_the_release_page_refuses_a_differencing_release_and_names_the_release(client_for, people):
    maya = people["maya"]
    first = _release(maya, _protect(maya, WITH_C))
    second = _protect(maya, WITHOUT_C)
    data = {"title": "North without C", "population": POPULATION, "source": "sea_report"}
    response = client_for("maya").post(
        reverse("outputs:release_create", kwargs={"pk": second.pk}), data
    )
    assert response.status_code == 400
    (error,) = response.context["form"].non_field_errors()
    assert f"release {first.pk} (North by school)" in error


def test_the_ledger_pages_list_releases_and_show_each_certificate_verified(client_for, people):
    maya = people["maya"]
    release = _release(maya, _protect(maya, WITH_C))
    listing = client_for("priya").get(reverse("outputs:releases"))
    assert list(listing.context["releases"]) == [release]
    page = client_for("priya").get(reverse("outputs:release", kwargs={"pk": release.pk}))
    release.refresh_from_db()
    assert release.verified_ok is True and release.verification_problems == []
    html = page.content.decode()
    assert "The certificate verifies" in html and release.certificate_sha256 in html
    assert 'data-testid="certificate-altered"' not in html
    # The released table shows only what was published: the small school stays hidden.
    shown = {tuple(r["codes"]): r["value"] for r in page.context["rows"]}
    assert shown[("C",)] == "*"


def test_a_project_release_must_name_its_project(people):
    table = _protect(people["maya"], WITH_C)
    with pytest.raises(ValidationError, match="names its project"):
        release_record(actor=people["maya"], protected_table=table, title="T",
                       population=POPULATION, source=Release.Source.PROJECT)  # fmt: skip


def test_a_release_too_large_for_exact_intervals_says_so_and_still_verifies(
    client_for, people, monkeypatch
):
    from steward.dataplane.sdc import certificate as certificates

    monkeypatch.setattr(certificates, "INTERVAL_BLOCK", 1)
    maya = people["maya"]
    release = _release(maya, _protect(maya, WITH_C))
    assert release.certificate["form"] == "summary"
    page = client_for("priya").get(reverse("outputs:release", kwargs={"pk": release.pk}))
    assert release.verified_ok is True
    html = page.content.decode()
    assert "The certificate verifies" in html
    assert "without their intervals: 2 hidden cells depend on one another" in html


def _verify_again(client, release):
    return client.post(reverse("outputs:release_verify", kwargs={"pk": release.pk}))


def test_verifying_again_records_the_verdict_and_an_audit_entry(client_for, people):
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    first = release.verified_at
    response = _verify_again(client_for("priya"), release)
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.verified_ok is True and release.verified_at > first
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.release_verify"
    assert entry.summary == {"ok": True, "problems": []}
    assert entry.actor_id == people["priya"].pk


def test_a_certificate_altered_in_the_ledger_is_flagged_at_once_and_fails_verification(
    client_for, people
):
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    certificate = dict(release.certificate, suppressed=release.certificate["suppressed"][:1])
    Release.objects.filter(pk=release.pk).update(certificate=certificate)
    client = client_for("priya")
    page = client.get(reverse("outputs:release", kwargs={"pk": release.pk})).content.decode()
    assert 'data-testid="certificate-altered"' in page  # before any audit is run again
    assert "The certificate verifies" not in page  # the verdict at release is out of date
    assert "was of the certificate as it was then" in page
    _verify_again(client, release)
    release.refresh_from_db()
    assert release.verified_ok is False
    assert "the certificate differs from the one recorded (sha256 mismatch)" in (
        release.verification_problems
    )
    page = client.get(reverse("outputs:release", kwargs={"pk": release.pk})).content.decode()
    assert "did not verify" in page and "sha256 mismatch" in page
    listing = client.get(reverse("outputs:releases")).content.decode()
    assert "does not verify" in listing


def test_a_large_release_is_verified_by_a_job_whose_verdict_the_page_shows(
    client_for, people, monkeypatch
):
    from steward.core.jobs import job_run
    from steward.outputs import services

    monkeypatch.setattr(services, "INLINE_VERIFY_CELLS", 0)
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    assert release.verified_ok is None and release.verifying
    client = client_for("priya")
    url = reverse("outputs:release", kwargs={"pk": release.pk})
    page = client.get(url).content.decode()
    assert "Verifying the certificate" in page and "Verify again" not in page
    refused = client.post(reverse("outputs:release_verify", kwargs={"pk": release.pk}),
                          follow=True)  # fmt: skip
    assert "already being verified" in refused.content.decode()

    polled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" in polled and "Verifying the certificate" in polled
    assert "does not" not in polled and "<table" not in polled  # the partial only
    queued = AuditEntry.objects.get(action="outputs.release_verify_queued")
    assert queued.summary == {"job": str(release.verify_job.pk)}
    assert AuditEntry.objects.get(action="outputs.release_record").summary["verified"] is None
    listing = client.get(reverse("outputs:releases")).content.decode()
    assert "being verified" in listing

    job = job_run(release.verify_job)
    assert job.status == "succeeded" and job.result["verified"] is True
    release.refresh_from_db()
    assert release.verified_ok is True and not release.verifying
    entry = AuditEntry.objects.filter(action="outputs.release_verify").get()
    assert entry.actor_id == people["maya"].pk  # who released it asked for the verification
    polled = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "The certificate verifies" in polled and "hx-trigger" not in polled

    # Asked again once the first has finished: a new job, queued and audited.
    response = client.post(reverse("outputs:release_verify", kwargs={"pk": release.pk}),
                           follow=True)  # fmt: skip
    assert "is being verified" in response.content.decode()
    release.refresh_from_db()
    assert release.verify_job.pk != job.pk and release.verifying
    assert AuditEntry.objects.filter(action="outputs.release_verify_queued").count() == 2
    assert job_run(release.verify_job).result["verified"] is True


def test_the_api_lists_each_release_with_its_verification(client, people):
    from steward.accounts.services import api_token_create

    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    _, token = api_token_create(actor=people["priya"], name="script")
    response = client.get(reverse("api:outputs_releases"), HTTP_AUTHORIZATION=f"Bearer {token}")
    (listed,) = response.json()
    assert listed["id"] == release.pk and listed["verified_ok"] is True
    assert listed["verified_at"]


def test_the_release_page_shows_the_released_table_a_page_at_a_time(
    client_for, people, monkeypatch
):
    from steward.outputs import views

    monkeypatch.setattr(views, "ROWS_PER_PAGE", 2)
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    client = client_for("priya")
    url = reverse("outputs:release", kwargs={"pk": release.pk})
    rows = [r for n in (1, 2) for r in client.get(url, {"page": n}).context["rows"]]
    assert rows == release.published["rows"]  # four cells: the total and three schools
    assert "Page 2 of 2" in client.get(url, {"page": 2}).content.decode()


def test_a_certificate_mangled_in_the_ledger_is_reported_unreadable_not_a_crash(people):
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    release.certificate = {**release.certificate, "table": None}
    result = release_check(release)
    assert not result.ok and "the certificate cannot be read" in result.problems


def test_a_verification_job_that_cannot_finish_says_so_on_the_page(client_for, people, monkeypatch):
    from steward.core.jobs import job_run
    from steward.outputs import services

    monkeypatch.setattr(services, "INLINE_VERIFY_CELLS", 0)
    release = _release(people["maya"], _protect(people["maya"], WITH_C))

    def broken(release):
        raise RuntimeError("the disk is gone")

    monkeypatch.setattr(services, "release_check", broken)
    assert job_run(release.verify_job).status == "failed"
    page = client_for("priya").get(reverse("outputs:release", kwargs={"pk": release.pk}))
    html = page.content.decode()
    assert "could not finish: internal error; see the server log" in html
    assert "Verify again" in html and "not been verified" in html


def test_the_release_page_never_runs_the_audit_itself(client_for, people, monkeypatch):
    from steward.outputs import selectors, services

    release = _release(people["maya"], _protect(people["maya"], WITH_C))

    def audit_run(release):
        raise AssertionError("a page view ran the audit")

    monkeypatch.setattr(services, "release_check", audit_run)
    monkeypatch.setattr(selectors, "release_check", audit_run)
    page = client_for("priya").get(reverse("outputs:release", kwargs={"pk": release.pk}))
    assert page.status_code == 200 and "The certificate verifies" in page.content.decode()


def test_a_verification_lost_with_its_worker_may_be_asked_for_again(
    client_for, people, monkeypatch
):
    from datetime import timedelta

    from steward.core.jobs import job_run
    from steward.core.models import Job
    from steward.outputs import services

    monkeypatch.setattr(services, "INLINE_VERIFY_CELLS", 0)
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    lost = release.verify_job
    Job.objects.filter(pk=lost.pk).update(
        status="running", created_at=lost.created_at - Job.LOST_AFTER - timedelta(minutes=1)
    )
    release.refresh_from_db()
    assert not release.verifying
    client = client_for("priya")
    page = client.get(reverse("outputs:release", kwargs={"pk": release.pk})).content.decode()
    assert "Verify again" in page and "hx-trigger" not in page
    _verify_again(client, release)
    release.refresh_from_db()
    assert release.verify_job.pk != lost.pk
    # Should the lost job run after all, it leaves the verdict to the one that replaced it.
    Job.objects.filter(pk=lost.pk).update(status="queued")
    assert job_run(Job.objects.get(pk=lost.pk)).result["replaced"] is True
    assert not AuditEntry.objects.filter(action="outputs.release_verify").exists()


def test_a_verification_job_for_a_release_no_longer_in_the_ledger_says_so(people, monkeypatch):
    from steward.core.jobs import job_run
    from steward.outputs import services

    monkeypatch.setattr(services, "INLINE_VERIFY_CELLS", 0)
    release = _release(people["maya"], _protect(people["maya"], WITH_C))
    job = release.verify_job
    Release.objects.filter(pk=release.pk).delete()
    job = job_run(job)
    assert job.status == "failed"
    assert job.error == f"Release {release.pk} is no longer in the ledger."


def test_a_release_the_ledger_cannot_audit_in_time_is_refused_and_nothing_recorded(
    people, monkeypatch
):
    from steward.outputs import services

    maya = people["maya"]
    first = _release(maya, _protect(maya, WITH_C))
    monkeypatch.setattr(services, "LEDGER_SECONDS", 0)
    before = (AuditEntry.objects.count(), Release.objects.count())
    with pytest.raises(ValidationError) as refused:
        _release(maya, _protect(maya, WITH_C), title="North again")
    message = refused.value.messages[0]
    assert f"could not be audited together with release {first.pk} (North by school)" in message
    assert "within 0 seconds" in message and "Nothing was recorded" in message
    assert Release.objects.count() == before[1]
    assert AuditEntry.objects.count() == before[0] + 1  # the second table's protection only


def test_a_table_released_again_is_audited_with_the_first_as_one_table(people, monkeypatch):
    from steward.dataplane.sdc import ledger

    def no_lp(*args, **kwargs):
        raise AssertionError("the attacker LP over the atoms was solved")

    maya = people["maya"]
    first = _release(maya, _protect(maya, WITH_C))
    monkeypatch.setattr(ledger, "witness_bounds", no_lp)
    again = _release(maya, _protect(maya, WITH_C), title="North by school, again")
    entry = AuditEntry.objects.filter(action="outputs.release_record").latest("seq")
    assert entry.object_id == str(again.pk) and entry.summary["audited_with"] == [first.pk]
