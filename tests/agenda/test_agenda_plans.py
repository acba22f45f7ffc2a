"""Pre-analysis plans: registered by the PI, never edited, versioned with their differences."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse

from steward.agenda.models import PreAnalysisPlan
from steward.agenda.selectors import plan_differences
from steward.agenda.services import plan_register
from steward.core.models import AuditEntry

from .conftest import PLAN

pytestmark = pytest.mark.django_db


def test_the_pi_registers_version_one_with_one_audit_entry(people, project):
    before = AuditEntry.objects.count()
    plan = plan_register(actor=people["ana"], project=project, **PLAN)
    assert plan.version == 1
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "plan.registered"
    assert entry.summary == {"project": project.pk, "version": 1}


@pytest.mark.parametrize("persona", ["maya", "ben", "lena", "priya", "alex"])
def test_nobody_but_the_pi_registers_a_plan(people, project, persona):
    with pytest.raises(PermissionDenied):
        plan_register(actor=people[persona], project=project, **PLAN)
    assert not PreAnalysisPlan.objects.exists()


def test_a_registered_plan_cannot_be_updated_even_in_the_database(plan):
    with pytest.raises(DatabaseError), transaction.atomic():
        PreAnalysisPlan.objects.filter(pk=plan.pk).update(methods="Something else")
    plan.refresh_from_db()
    assert plan.methods == PLAN["methods"]


def test_a_registered_plan_cannot_be_deleted_even_in_the_database(plan):
    with pytest.raises(DatabaseError), transaction.atomic():
        PreAnalysisPlan.objects.filter(pk=plan.pk).delete()
    assert PreAnalysisPlan.objects.filter(pk=plan.pk).exists()


def test_a_change_is_a_new_version_and_needs_a_note(people, project, plan):
    changed = {**PLAN, "methods": "Descriptive rates; logistic regression; school effects."}
    with pytest.raises(ValidationError, match="what changed"):
        plan_register(actor=people["ana"], project=project, **changed)
    second = plan_register(
        actor=people["ana"], project=project, change_note="Add school effects.", **changed
    )
    assert second.version == 2
    assert list(project.plans.values_list("version", flat=True)) == [2, 1]
    plan.refresh_from_db()
    assert plan.methods == PLAN["methods"]


def test_registering_the_same_text_again_is_refused(people, project, plan):
    with pytest.raises(ValidationError, match="same as version 1"):
        plan_register(actor=people["ana"], project=project, change_note="None.", **PLAN)
    assert project.plans.count() == 1


def test_an_empty_section_is_refused_by_name(people, project):
    with pytest.raises(ValidationError) as refused:
        plan_register(actor=people["ana"], project=project, **{**PLAN, "data": "  "})
    assert "data" in refused.value.message_dict


def test_differences_show_added_and_removed_lines_per_section(people, project, plan):
    second = plan_register(
        actor=people["ana"],
        project=project,
        change_note="Sharper second question.",
        **{**PLAN, "questions": "1. What share enroll?\n2. Which programs distinguish them?"},
    )
    sections = {section.name: section for section in plan_differences(plan, second)}
    assert sections["questions"].changed
    assert not sections["methods"].changed
    kinds = [(line.kind, line.text) for line in sections["questions"].lines]
    assert ("same", "1. What share enroll?") in kinds
    assert ("removed", "2. What distinguishes them?") in kinds
    assert ("added", "2. Which programs distinguish them?") in kinds


def test_every_version_is_public_with_its_differences(client, people, project, plan):
    plan_register(
        actor=people["ana"],
        project=project,
        change_note="More years.",
        **{**PLAN, "data": "Attendance, grades 6-8, 2016-2020; college enrollment."},
    )
    first = client.get(reverse("portal:plan", args=[project.pk, 1]))
    second = client.get(reverse("portal:plan", args=[project.pk, 2]))
    assert first.status_code == second.status_code == 200
    assert "2016-2019" in first.content.decode()
    page = second.content.decode()
    assert "Differences from version 1" in page
    assert "Added: </span>" in page and "2016-2020" in page
    assert "Removed: </span>" in page


def test_a_plan_page_reads_every_version_in_one_query(
    client, people, project, plan, django_assert_num_queries, settings
):
    settings.PAGE_CACHE = False  # what rendering the page costs
    for number in (2, 3):
        plan_register(
            actor=people["ana"],
            project=project,
            change_note=f"Change {number}.",
            **{**PLAN, "data": f"Attendance, {number} more years."},
        )
    with django_assert_num_queries(2):  # the versions; the footer's contact
        page = client.get(reverse("portal:plan", args=[project.pk, 2])).content.decode()
    assert "Differences from version 1" in page and "Attendance, 2 more years." in page
    assert "Version 2 (this page)" in page
    for other in (1, 3):
        assert reverse("portal:plan", args=[project.pk, other]) in page
    assert client.get(reverse("portal:plan", args=[project.pk, 4])).status_code == 404


def test_the_edit_page_refuses_and_offers_a_new_version(client_for, project, plan):
    ana = client_for("ana")
    url = reverse("agenda:plan_edit", args=[project.pk, 1])
    page = ana.get(url)
    assert page.status_code == 200
    assert "cannot be edited" in page.content.decode()
    assert reverse("agenda:plan_register", args=[project.pk]) in page.content.decode()
    refused = ana.post(url, {**PLAN, "methods": "Changed.", "change_note": "x"})
    assert refused.status_code == 409
    assert project.plans.count() == 1


def test_the_api_refuses_to_edit_a_registered_plan(client_for, project, plan):
    response = client_for("ana").put(
        f"/api/projects/{project.pk}/plans/1",
        data={**PLAN, "methods": "Changed."},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert "new version" in response.json()["message"]
    plan.refresh_from_db()
    assert plan.methods == PLAN["methods"]


def test_plans_of_a_planned_project_are_not_public_yet(client, people, alliance):
    from datetime import date

    from steward.agenda.services import project_create

    planned = project_create(
        actor=people["maya"],
        partnership=alliance,
        title="Not started",
        summary="S",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2027, 1, 1),
    )
    plan_register(actor=people["ana"], project=planned, **PLAN)
    assert client.get(reverse("portal:plan", args=[planned.pk, 1])).status_code == 404
    assert client.get(reverse("portal:project", args=[planned.pk])).status_code == 404
