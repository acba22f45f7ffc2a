"""Permission-matrix rows of a published finding's research use and of large reports: only the
research office (who holds `portal.record_research_use`) attaches and records uses, asks
districts periodically and confirms their answers; a large report's page is its builder's."""

from __future__ import annotations

from datetime import date
from typing import Any

from steward.testing.matrix import Route, only

OFFICE = {"maya"}
REPORTERS = {"maya", "daniel", "rosa", "victor", "priya"}
USE_PK = 9001  # the unattached use the attach row posts (rows' data are fixed)


def _story(fixtures: dict, stage: str) -> Any:
    """The review story of matrix_review.py (loaded by path, as the matrix loads its rows)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parent / "matrix_review.py"
    spec = importlib.util.spec_from_file_location("matrix_review_for_uses", path)
    review = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(review)
    return review._story(fixtures, stage)


def _published(fixtures: dict) -> dict[str, Any]:
    return {"pk": _story(fixtures, "published").pk}


def _survey(fixtures: dict) -> dict[str, Any]:
    from steward.outputs.findings_surveys import use_survey_create

    finding = _story(fixtures, "published")
    survey = use_survey_create(
        actor=fixtures["people"]["maya"],
        finding=finding,
        district_name="Lakeshore Schools",
        contact_email="research@lakeshore.example",
    )
    return {"pk": survey.pk}


def _held_answer(fixtures: dict) -> dict[str, Any]:
    from steward.outputs.findings_services import finding_use_report
    from steward.outputs.findings_surveys import use_surveys_send
    from steward.outputs.models import UseSurvey

    _survey(fixtures)
    use_surveys_send(today=date.today())
    invitation = UseSurvey.objects.latest("pk").invitations.get()
    finding_use_report(
        actor=None,
        invitation=invitation,
        kind="district",
        description="Used it to plan attendance outreach.",
        used_on=date(2026, 9, 1),
        source="",
    )
    return {"pk": invitation.pk}


def _unattached_use(fixtures: dict) -> dict[str, Any]:
    from steward.portal.models import ResearchUse

    use = ResearchUse.objects.create(
        pk=USE_PK,
        kind="citation",
        description="Cited in a state report.",
        used_by="Lakeland Legislature",
        used_on=date(2026, 10, 1),
        source="Report 12",
    )
    fixtures["use"] = use
    return {"pk": _story(fixtures, "published").pk}


def _maya_run(fixtures: dict) -> dict[str, Any]:
    from steward.outputs.models import ReportRun

    run = ReportRun.objects.create(
        spec={
            "measure": "enrollment",
            "places": "school",
            "group": "",
            "first_year": "2020",
            "last_year": "2020",
            "district": "",
        },
        status=ReportRun.Status.READY,
        columns=["school", "students"],
        rows=[{"codes": ["Total"], "value": "*", "suppressed": True, "reason": "a zero"}],
        n_cells=1,
        n_suppressed=1,
        created_by=fixtures["people"]["maya"],
    )
    return {"pk": run.pk}


def _of_maya(status: int) -> dict:
    """Maya (who built it) gets `status`; other report builders 404; others 403."""
    table = only(REPORTERS, 404, 403, 302)
    table["maya"] = status
    return table


ROUTES = [
    Route("outputs:finding_uses", only(OFFICE, 200, 403, 302), kwargs=_published),
    Route(
        "outputs:finding_use_attach",
        only(OFFICE, 302, 403, 302),
        method="post",
        kwargs=_unattached_use,
        data={"use": str(USE_PK)},
        mutates=True,
    ),
    Route(
        "outputs:finding_use_record",
        only(OFFICE, 302, 403, 302),
        method="post",
        kwargs=_published,
        data={
            "kind": "policy",
            "description": "The Board changed its attendance policy.",
            "used_by": "Lakeland State Board",
            "used_on": "2026-10-01",
            "source": "Board minutes, October 2026",
        },
        mutates=True,
    ),
    Route(
        "outputs:finding_survey_create",
        only(OFFICE, 302, 403, 302),
        method="post",
        kwargs=_published,
        data={
            "district_name": "Harbor City Public Schools",
            "contact_email": "research@harborcity.example",
            "every_days": "365",
        },
        mutates=True,
    ),
    Route(
        "outputs:survey_stop",
        only(OFFICE, 302, 403, 302),
        method="post",
        kwargs=_survey,
        mutates=True,
    ),
    Route(
        "outputs:finding_use_decide",
        only(OFFICE, 302, 403, 302),
        method="post",
        kwargs=_held_answer,
        data={"decision": "confirm"},
        mutates=True,
    ),
    Route("outputs:report_run", _of_maya(200), kwargs=_maya_run),
    # A download is an access the audit log records (one entry), as for extracts.
    Route("outputs:report_run_csv", _of_maya(200), kwargs=_maya_run, mutates=True),
    Route("outputs:report_run_xlsx", _of_maya(200), kwargs=_maya_run, mutates=True),
]
