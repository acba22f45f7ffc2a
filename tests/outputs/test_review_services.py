"""Output review: the engine stops an unsafe cell before anyone checks; two distinct
checkers, never the submitter, release an output; the ledger stops a small-group difference."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.models import AuditEntry
from steward.outputs.models import Output, OutputCheck, Release
from steward.outputs.review_selectors import (
    checker_slot,
    ledger_preview,
    output_cells,
    outputs_visible_to,
    project_history,
)
from steward.outputs.review_services import TRANSITIONS, output_decide, output_withdraw

from .review_story import POPULATION, SAFE, UNSAFE, make_project, release, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(people):
    return make_project(people)


def test_the_engine_stops_a_table_with_a_cell_of_four_students_and_says_why(people, project):
    output = submit(people["ben"], project, UNSAFE, dims=("district", "school"))
    assert output.status == Output.Status.CHECKS_FAILED
    unsafe = [c for c in output_cells(output) if c.unsafe]
    assert [c.codes for c in unsafe] == [["Northern Lakes", "Birch Lake"]]
    assert unsafe[0].reason == "fewer students than the minimum cell size"
    engine = output.checks.get(kind=OutputCheck.Kind.ENGINE)
    assert engine.decision == "failed" and "1 of" in engine.reasons
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.output_submit" and entry.summary["unsafe"] == 1
    assert "4" not in str(entry.summary["status"])  # no cell's value in the audit summary
    assert b"Birch" not in bytes(output.sealed)  # the submitted cells are kept sealed


def test_a_fixed_resubmission_goes_to_the_checkers_as_the_next_version(people, project):
    first = submit(people["ben"], project, UNSAFE, dims=("district", "school"))
    second = submit(people["ben"], project, SAFE, previous=first)
    assert second.status == Output.Status.IN_REVIEW and second.version == 2
    with pytest.raises(ValidationError):
        submit(people["ben"], project, SAFE, previous=first)


def test_only_the_project_team_submits_outputs(people, project):
    with pytest.raises(PermissionDenied):
        submit(people["lena"], project)


def test_a_description_a_stranger_cannot_follow_is_refused(people, project):
    from steward.outputs.review_services import output_submit

    with pytest.raises(ValidationError) as refused:
        output_submit(
            actor=people["ben"],
            project=project,
            kind="table",
            title="T",
            description="counts",
            population="",
            data_version="",
            data=SAFE.encode(),
            filename="t.csv",
            agencies=[],
            dims=["district"],
            count="n",
        )
    assert {"description", "population", "data_version"} <= set(refused.value.message_dict)
    assert not Output.objects.exists()


@pytest.mark.parametrize("submitter", ["ben", "ana"])
def test_a_submitter_can_never_check_their_own_output(people, project, submitter):
    output = submit(people[submitter], project)
    for person in ("ben", "ana"):
        slot, why = checker_slot(people[person], output)
        assert slot == "" and "never checks their own output" in why
        with pytest.raises(PermissionDenied):
            output_decide(actor=people[person], output=output, decision="approve", reasons="ok")
    assert output.checks.filter(checker__isnull=False).count() == 0


def test_a_liaison_who_is_on_the_team_cannot_check_it(people, project):
    project.team.add(people["maya"])
    output = submit(people["ben"], project)
    with pytest.raises(PermissionDenied):
        output_decide(actor=people["maya"], output=output, decision="approve", reasons="ok")


def test_release_needs_two_distinct_checkers(people, project):
    output = submit(people["ben"], project)
    output_decide(actor=people["maya"], output=output, decision="approve", reasons="Clear.")
    output.refresh_from_db()
    assert output.status == Output.Status.IN_REVIEW and output.release is None
    with pytest.raises(PermissionDenied, match="second check must be someone else"):
        output_decide(actor=people["maya"], output=output, decision="approve", reasons="Again.")
    output_decide(actor=people["daniel"], output=output, decision="approve", reasons="Safe.")
    output.refresh_from_db()
    assert output.status == Output.Status.RELEASED
    assert output.release.project == project and output.release.certificate_sha256
    checkers = {c.checker for c in output.checks.exclude(kind="engine")}
    assert checkers == {people["maya"], people["daniel"]}


def test_a_steward_of_an_agency_whose_data_it_does_not_hold_cannot_check_it(people, project):
    output = submit(people["ben"], project)
    for person in ("rosa", "victor", "priya", "grace"):
        with pytest.raises(PermissionDenied):
            output_decide(actor=people[person], output=output, decision="approve", reasons="ok")


def test_the_second_steward_place_is_not_a_second_liaison_place(people, project):
    output = submit(people["ben"], project)
    output_decide(actor=people["daniel"], output=output, decision="approve", reasons="Safe.")
    output.refresh_from_db()
    assert output.status == Output.Status.IN_REVIEW  # still waits for the liaison


@pytest.mark.parametrize(
    ("decision", "status"), [("reject", "rejected"), ("changes", "changes_requested")]
)
def test_one_rejection_or_request_for_changes_ends_the_version(people, project, decision, status):
    output = submit(people["ben"], project)
    output_decide(actor=people["daniel"], output=output, decision=decision, reasons="Too fine.")
    output.refresh_from_db()
    assert output.status == status
    with pytest.raises(PermissionDenied):
        output_decide(actor=people["maya"], output=output, decision="approve", reasons="ok")


def test_a_decision_without_reasons_is_refused(people, project):
    output = submit(people["ben"], project)
    with pytest.raises(ValidationError):
        output_decide(actor=people["maya"], output=output, decision="approve", reasons="  ")


def test_every_decision_is_audited(people, project):
    output = submit(people["ben"], project)
    before = AuditEntry.objects.count()
    output_decide(actor=people["maya"], output=output, decision="approve", reasons="Clear.")
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.action == "outputs.output_decide"
    assert entry.summary == {
        "checker": "liaison",
        "decision": "approve",
        "status": "in_review",
        "release": None,
    }


def test_a_table_that_differs_from_a_release_by_a_small_group_is_stopped_by_the_ledger(
    people, project, monkeypatch
):
    from steward.outputs import review_selectors
    from steward.outputs.services import release_record, table_protect

    # The SEA's own report of the same students: Birch Lake's 4 students are hidden in it.
    report = table_protect(
        actor=people["maya"],
        name="north.csv",
        dims=["school"],
        count="n",
        data=b"school,n\nPine Hollow,31\nElk River,22\nBirch Lake,4\n",
    )
    first = release_record(
        actor=people["maya"],
        protected_table=report,
        title="North",
        population=POPULATION,
        source=Release.Source.SEA_REPORT,
    )
    without = "school,n\nPine Hollow,31\nElk River,22\n"
    second = submit(people["ben"], project, without, dims=("school",), title="Without Birch Lake")
    assert second.status == Output.Status.IN_REVIEW  # safe on its own
    preview = ledger_preview(second)
    assert not preview.passed and "Birch Lake" in preview.message
    assert preview.audited_with == [first]
    with monkeypatch.context() as patched:  # the preview allows the ledger what release does
        patched.setattr(review_selectors, "LEDGER_SECONDS", 0)
        late = ledger_preview(second)
    assert not late.passed and "could not audit it" in late.message
    assert late.audited_with == [first]
    output_decide(actor=people["maya"], output=second, decision="approve", reasons="Clear.")
    before = (Release.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationError, match="could be worked out"):
        output_decide(actor=people["daniel"], output=second, decision="approve", reasons="ok")
    second.refresh_from_db()
    assert second.status == Output.Status.IN_REVIEW and second.checks.count() == 2
    assert (Release.objects.count(), AuditEntry.objects.count()) == before


def test_reviewers_see_the_projects_released_rejected_and_withdrawn_outputs(people, project):
    released = release(people, project)
    rejected = submit(people["ben"], project, population="Other population")
    output_decide(actor=people["maya"], output=rejected, decision="reject", reasons="No.")
    withdrawn = submit(people["ben"], project, population="Third population")
    output_withdraw(actor=people["ben"], output=withdrawn, reason="Wrong year.")
    current = submit(people["ana"], project, population="Fourth population")
    assert set(project_history(current)) == {released, rejected, withdrawn}


def test_only_the_submitter_or_the_pi_withdraws(people, project):
    output = submit(people["ben"], project)
    with pytest.raises(PermissionDenied):
        output_withdraw(actor=people["maya"], output=output, reason="No.")
    output_withdraw(actor=people["ana"], output=output, reason="Superseded.")
    assert output.status == Output.Status.WITHDRAWN


def test_every_status_pair_is_allowed_or_refused_as_the_transitions_say(people, project):
    from steward.outputs.review_services import _transition

    for old, allowed in TRANSITIONS.items():
        for new in Output.Status.values:
            output = submit(people["ben"], project)
            Output.objects.filter(pk=output.pk).update(status=old, released_at=output.submitted_at)
            output.refresh_from_db()
            if new in allowed:
                _transition(
                    output,
                    new,
                    **({"released_at": output.submitted_at} if new == "released" else {}),
                )
                assert output.status == new
            else:
                with pytest.raises(ValidationError):
                    _transition(output, new)


def test_who_sees_which_outputs(people, project):
    output = submit(people["ben"], project)
    for key in ("ana", "ben", "maya", "priya", "daniel"):
        assert output in outputs_visible_to(people[key]), key
    for key in ("lena", "rosa", "alex", "grace"):
        assert output not in outputs_visible_to(people[key]), key


def test_a_table_submitted_on_the_page_stays_in_memory_never_a_temporary_file(
    people, project, client_for, settings, monkeypatch
):
    import io

    from django.core.files import uploadhandler
    from django.urls import reverse

    from .review_story import DESCRIPTION, sea

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1  # Django's own handlers would write it to disk
    spooled = []
    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", lambda *a, **k: spooled.append(a))
    upload = io.BytesIO(SAFE.encode())
    upload.name = "enrolled.csv"
    data = {
        "project": project.pk, "kind": "table", "title": "College enrollment by district",
        "description": DESCRIPTION, "population": POPULATION, "data_version": "Extract 1",
        "file": upload, "dims": "district", "count": "n", "agencies": [sea().pk],
    }  # fmt: skip
    response = client_for("ben").post(reverse("outputs:output_new"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Output.objects.get().title == "College enrollment by district"
    assert spooled == []
