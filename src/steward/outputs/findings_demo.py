"""The demo's finding (STORY.md, steps 7-8): Ben submits the table with Birch Lake's 4 students,
the checks stop it; he resubmits it with the northern schools together; Maya and Daniel approve
it; Dr. Ortiz's finding is reviewed and published; Harbor City's use is attached to it, and
Harbor City is asked once a school year how it uses it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from steward.accounts.models import Organization, User
from steward.agenda.models import Project
from steward.outputs.findings_services import (
    finding_clear,
    finding_create,
    finding_publish,
    finding_submit_for_review,
    research_use_attach,
)
from steward.outputs.findings_surveys import use_survey_create
from steward.outputs.models import Finding, Output
from steward.outputs.review_services import output_decide, output_submit
from steward.portal.models import ResearchUse

UNSAFE = (
    "district,school,n\n"
    "Northern Lakes,Pine Hollow,31\nNorthern Lakes,Birch Lake,4\nNorthern Lakes,Elk River,22\n"
    "Harbor City,Harbor Middle,140\nHarbor City,Bayview Middle,96\nLakeshore,Lakeshore Middle,58\n"
)
SAFE = "district,n\nNorthern Lakes,57\nHarbor City,236\nLakeshore,58\n"
DESCRIPTION = (
    "Students chronically absent in grade 8 in 2018-19 (absent 10% or more of the days they "
    "were enrolled) who enrolled in a Lakeland college within two years, counted by the "
    "district where they attended grade 8."
)
POPULATION = "Grade 8, 2018-19, chronically absent, enrolled in college within two years"
TITLE = "Chronically absent eighth graders who still enrolled in college"


def _person(key: str) -> User:
    return User.objects.get(email=f"{key}@demo.steward.test")


def findings_seed(*, stdout: Any = None) -> Finding | None:
    """A released finding with its table, linked to the demo project and its agenda question,
    and Harbor City's use (skipped when a finding exists already)."""
    if Finding.objects.exists():
        if stdout:
            stdout.write("A finding exists already; the demo's finding is not made again.")
        return None
    project = Project.objects.filter(pi__email="ana@demo.steward.test").order_by("pk").first()
    if project is None:
        return None
    ana, ben, maya, daniel = (_person(k) for k in ("ana", "ben", "maya", "daniel"))
    sea = Organization.objects.get(kind="agency", agency_kind="sea")
    common = {
        "actor": ben,
        "project": project,
        "kind": Output.Kind.FIGURE,
        "title": TITLE,
        "description": DESCRIPTION,
        "population": POPULATION,
        "data_version": "Extract 1 of the project (2016-2019 cohorts)",
        "filename": "enrolled-by-district.csv",
        "agencies": [sea],
        "count": "n",
    }
    stopped = output_submit(data=UNSAFE.encode(), dims=["district", "school"], **common)
    fixed = output_submit(data=SAFE.encode(), dims=["district"], previous=stopped, **common)
    output_decide(
        actor=maya,
        output=fixed,
        decision="approve",
        reasons="The description is clear; no school is shown on its own.",
    )
    output_decide(
        actor=daniel,
        output=fixed,
        decision="approve",
        reasons="Every district's count is well above the minimum cell size.",
    )
    fixed.refresh_from_db()
    finding = finding_create(
        actor=ana,
        project=project,
        title="Many chronically absent eighth graders still go to college",
        summary="About one in three students who missed a tenth or more of grade 8 enrolled in a "
        "Lakeland college within two years. Those who did were more often in districts that "
        "called families early in the year.",
        implications="Districts can reach chronically absent students early: a call home in the "
        "first weeks went with more of them enrolling in college later.",
        limits="The study describes; it does not show that the calls caused enrollment. Private "
        "and out-of-state colleges are not counted.",
        full_report="We followed the 2016-2019 grade 8 cohorts into Lakeland's colleges.\n\n"
        "Tables count students; no group smaller than the minimum cell size is shown.",
        outputs=[fixed],
        answers=[(q, "partly") for q in project.questions.all()],
        plan=project.plans.order_by("-version").first(),
        agreement=project.agreements.order_by("-created_at").first(),
    )
    finding_submit_for_review(actor=ana, finding=finding)
    finding_clear(actor=maya, finding=finding, party="sea")
    finding_clear(actor=ana, finding=finding, party="partner")
    finding_publish(actor=maya, finding=finding)
    harbor = ResearchUse.objects.filter(used_by="Harbor City Public Schools", finding=None).first()
    if harbor is not None:
        research_use_attach(actor=maya, use=harbor, finding=finding)
    # Maya asks Harbor City once a school year how it used the finding (the daily job mails
    # the form link; the first ask is a month after publication).
    use_survey_create(
        actor=maya,
        finding=finding,
        district_name="Harbor City Public Schools",
        contact_email="research-office@harbor-city.demo.steward.test",
        every_days=365,
        first_ask_on=timezone.localdate() + timedelta(days=30),
    )
    if stdout:
        stdout.write(f"Finding {finding.pk} published with release {fixed.release_id}.")
    return finding
