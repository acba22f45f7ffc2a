"""Permission-matrix rows of data requests: a researcher never sees another team's request, a
steward only requests that touch their agency, a recused member cannot vote, and a single
member can never decide."""

from __future__ import annotations

from typing import Any

from steward.testing.matrix import Route, expect, only

RESEARCHERS = {"ana", "ben", "lena"}
TEAM = {"ana", "ben"}
MEMBERS = {"grace", "samuel", "hannah", "omar"}
ELEMENT_PKS = {"lde": 990001, "lhec": 990002, "lwc": 990003}
EXTRA_ELEMENT_PK = 990004
ITEM_PKS = {"lde": 990101, "lhec": 990102}
SCORES = {
    f"score_{key}": "4"
    for key in ("agenda_alignment", "minimum_necessary", "feasibility", "privacy_risk", "irb")
}
QUIZ_ANSWERS = {
    "q_minimum": "minimum",
    "q_small_cells": "check",
    "q_incident": "report",
    "q_reuse": "project",
    "attested": "on",
}


def _element(code: str, pk: int, name: str = "matrix_value"):
    from steward.accounts.models import Organization
    from steward.catalog.models import ClassificationLevel, Dataset, Element

    agency = Organization.objects.get(code=code)
    level, _ = ClassificationLevel.objects.get_or_create(
        level=3, defaults={"name": "Confidential", "meaning": "Student records."}
    )
    dataset, _ = Dataset.objects.get_or_create(
        agency=agency,
        agency_code=agency.agency_kind,
        code="matrix",
        defaults={
            "name": "Matrix",
            "purpose": "Tests.",
            "frequency": "yearly",
            "due_month": 1,
            "due_day": 1,
            "first_year": 2015,
            "last_year": 2024,
        },
    )
    element, _ = Element.objects.get_or_create(
        pk=pk,
        defaults={
            "dataset": dataset,
            "name": name,
            "label": name.title(),
            "definition": "A test element.",
            "type": "integer",
            "classification": level,
            "identifier_kind": "none",
        },
    )
    return element


def _request(fixtures: dict, status: str, *, agencies=("lde", "lhec"), signoff="pending"):
    from steward.access.models import DataRequest, RequestedElement, RequestPerson

    people = fixtures["people"]
    data_request = DataRequest.objects.create(
        created_by=people["ana"],
        status=status,
        version=0 if status == "draft" else 1,
        project_title="Matrix study",
        requesting_organization="Lakeland State University",
    )
    RequestPerson.objects.create(request=data_request, user=people["ana"], role="pi")
    fixtures["ben_person"] = RequestPerson.objects.create(
        request=data_request, user=people["ben"], role="co_investigator"
    )
    for code in agencies:
        element = _element(code, ELEMENT_PKS[code])
        RequestedElement.objects.create(
            pk=ITEM_PKS[code],
            request=data_request,
            element=element,
            agency=element.dataset.agency,
            first_year=2016,
            last_year=2019,
            grades="6-8",
            justification="Needed.",
            signoff=signoff,
        )
    return data_request


def _pk(status: str, **options):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"pk": _request(fixtures, status, **options).pk}

    return kwargs


def _api(status: str, **options):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"request_id": _request(fixtures, status, **options).pk}

    return kwargs


def _draft_item(fixtures: dict) -> dict[str, Any]:
    data_request = _request(fixtures, "draft")
    return {"pk": data_request.pk, "item_id": ITEM_PKS["lde"]}


def _draft_person(fixtures: dict) -> dict[str, Any]:
    data_request = _request(fixtures, "draft")
    return {"pk": data_request.pk, "person_id": fixtures["ben_person"].pk}


def _draft_with_extra_element(fixtures: dict) -> dict[str, Any]:
    _element("lde", EXTRA_ELEMENT_PK, "matrix_extra")
    return {"pk": _request(fixtures, "draft").pk}


def _api_draft_with_extra_element(fixtures: dict) -> dict[str, Any]:
    _element("lde", EXTRA_ELEMENT_PK, "matrix_extra")
    return {"request_id": _request(fixtures, "draft").pk}


def _with_letter(fixtures: dict) -> dict[str, Any]:
    from django.core.files.base import ContentFile

    data_request = _request(fixtures, "signoff")
    data_request.irb_letter.save("letter.pdf", ContentFile(b"%PDF-1.4\n"), save=True)
    return {"pk": data_request.pk}


def _declared(fixtures: dict, key: str):
    """A request in committee review: Samuel and Omar declared no conflict, Hannah recused."""
    from steward.access.models import ConflictDeclaration

    data_request = _request(fixtures, "committee", signoff="approved")
    people = fixtures["people"]
    for member, conflict in (("samuel", False), ("omar", False), ("hannah", True)):
        ConflictDeclaration.objects.create(
            request=data_request,
            member=people[member],
            has_conflict=conflict,
            description="Co-author of the PI." if conflict else "",
        )
    return {key: data_request.pk}


def _one_vote(fixtures: dict, key: str):
    """A request in committee review with a single approving vote."""
    from steward.access.models import ConflictDeclaration, Review

    data_request = _request(fixtures, "committee", signoff="approved")
    omar = fixtures["people"]["omar"]
    ConflictDeclaration.objects.create(request=data_request, member=omar, has_conflict=False)
    Review.objects.create(
        request=data_request,
        version=1,
        reviewer=omar,
        vote="approve",
        rationale="Sound.",
        scores={"irb": 5},
    )
    return {key: data_request.pk}


def _denial_report(fixtures: dict) -> dict[str, Any]:
    from datetime import date

    from steward.access.models import DenialReport

    data_request = _request(fixtures, "denied")
    report = DenialReport.objects.create(
        request=data_request,
        project_title="Matrix study",
        requesting_organization="Vendor",
        requester_type="vendor",
        reason_categories=["commercial"],
        denied_on=date(2026, 1, 5),
    )
    return {"report_id": report.pk}


# Who sees a request in sign-off that asks for Education and Higher Education data.
SEES_SIGNOFF = TEAM | {"maya", "priya", "daniel", "rosa"}


def _sees(allowed: set[str], status: int, anonymous: int) -> dict:
    return expect(404, anonymous, **dict.fromkeys(allowed, status))


def _team_edits(status: int, anonymous: int = 302) -> dict:
    """Editing a draft: non-researchers are refused; Dr. Park cannot even find it."""
    return only(TEAM, status, 403, anonymous) | {"lena": 404}


ROUTES = [
    Route("access:list", expect(200, 302)),
    Route("access:waiting", expect(200, 302)),
    Route("access:create", only(RESEARCHERS, 200, 403, 302)),
    Route(
        "access:create",
        only(RESEARCHERS, 302, 403, 302),
        method="post",
        data={"project_title": "Matrix"},
        mutates=True,
    ),
    Route("access:detail", _sees(TEAM, 200, 302), kwargs=_pk("draft")),
    Route("access:detail", _sees(SEES_SIGNOFF, 200, 302), kwargs=_pk("signoff")),
    Route(
        "access:detail",
        _sees(TEAM | MEMBERS | {"maya", "priya", "daniel", "rosa"}, 200, 302),
        kwargs=_pk("committee"),
    ),
    Route("access:edit", _team_edits(200), kwargs=_pk("draft")),
    Route(
        "access:edit",
        _team_edits(302),
        method="post",
        kwargs=_pk("draft"),
        data={"project_title": "Renamed"},
        mutates=True,
    ),
    Route(
        "access:autosave",
        _team_edits(200),
        method="post",
        kwargs=_pk("draft"),
        data={"purpose": "Typed so far"},
        mutates=True,
    ),
    Route(
        "access:element_add",
        _team_edits(302),
        method="post",
        kwargs=_draft_with_extra_element,
        data={
            "element": str(EXTRA_ELEMENT_PK),
            "first_year": "2016",
            "last_year": "2019",
            "grades": "6-8",
            "justification": "Needed.",
        },
        mutates=True,
    ),
    Route(
        "access:element_remove",
        _team_edits(302),
        method="post",
        kwargs=_draft_item,
        mutates=True,
    ),
    Route(
        "access:person_add",
        _team_edits(302),
        method="post",
        kwargs=_pk("draft"),
        data={"email": "ben@demo.steward.test", "role": "analyst"},
        mutates=True,
    ),
    Route(
        "access:person_remove",
        _team_edits(302),
        method="post",
        kwargs=_draft_person,
        mutates=True,
    ),
    # An incomplete draft is refused with its missing items; nothing changes.
    Route("access:submit", _team_edits(400), method="post", kwargs=_pk("draft"), mutates=True),
    Route("access:irb_letter", _sees(SEES_SIGNOFF, 200, 302), kwargs=_with_letter),
    Route("access:screen", only({"maya"}, 200, 403, 302), kwargs=_pk("submitted")),
    Route(
        "access:screen",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("submitted"),
        data={"action": "start"},
        mutates=True,
    ),
    Route(
        "access:signoff",
        only({"daniel", "rosa"}, 200, 403, 302) | {"victor": 404},
        kwargs=_pk("signoff"),
    ),
    # Daniel's decisions are complete; the same form from Rosa lacks her own elements.
    Route(
        "access:signoff",
        only({"daniel"}, 302, 403, 302) | {"rosa": 400, "victor": 404},
        method="post",
        kwargs=_pk("signoff"),
        data={"decision_990101": "approve", "reason_990101": ""},
        mutates=True,
    ),
    Route("access:review", only(MEMBERS, 200, 403, 302), kwargs=_pk("committee")),
    Route(
        "access:review",
        only(MEMBERS, 302, 403, 302),
        method="post",
        kwargs=_pk("committee"),
        data={"form": "conflict", "has_conflict": "no"},
        mutates=True,
    ),
    # A recused member cannot vote; a member who has not declared is told to declare first.
    Route(
        "access:review",
        only({"samuel", "omar"}, 302, 403, 302) | {"hannah": 403, "grace": 400},
        method="post",
        kwargs=lambda f: _declared(f, "pk"),
        data={"form": "review", "vote": "approve", "rationale": "Sound.", **SCORES},
        mutates=True,
    ),
    Route("access:decide", only({"grace"}, 200, 403, 302), kwargs=_pk("committee")),
    # A single member can never decide: one vote is below quorum.
    Route(
        "access:decide",
        only({"grace"}, 400, 403, 302),
        method="post",
        kwargs=lambda f: _one_vote(f, "pk"),
        data={"outcome": "approved", "rationale": "Sound.", "granted": str(ITEM_PKS["lde"])},
        mutates=True,
    ),
    Route("access:training", expect(200, 302)),
    Route("access:training", expect(302, 302), method="post", data=QUIZ_ANSWERS, mutates=True),
    Route("access:committee", only(MEMBERS | {"maya", "alex"}, 200, 403, 302)),
    Route(
        "access:committee",
        only({"grace", "alex"}, 302, 403, 302),
        method="post",
        data={"quorum": "3", "minimum_approvals": "2", "require_outside_approval": "on"},
        mutates=True,
    ),
    Route("access:transparency", expect(200, 200)),
    Route("access:denials", expect(200, 200)),
    Route("access:denial", expect(200, 200), kwargs=_denial_report),
    Route("api:requests_list", expect(200, 401)),
    Route("api:requests_waiting", expect(200, 401)),
    Route(
        "api:requests_create",
        only(RESEARCHERS, 201, 403, 401),
        method="post",
        data={"project_title": "Matrix"},
        mutates=True,
    ),
    Route("api:requests_detail", _sees(TEAM, 200, 401), kwargs=_api("draft")),
    Route("api:requests_detail", _sees(SEES_SIGNOFF, 200, 401), kwargs=_api("signoff")),
    Route(
        "api:requests_update",
        _team_edits(200, 401),
        method="patch",
        kwargs=_api("draft"),
        data={"purpose": "Typed so far"},
        mutates=True,
    ),
    Route(
        "api:requests_element_add",
        _team_edits(201, 401),
        method="post",
        kwargs=_api_draft_with_extra_element,
        data={
            "agency": "sea",
            "dataset": "matrix",
            "element": "matrix_extra",
            "first_year": 2016,
            "last_year": 2019,
            "grades": "6-8",
            "justification": "Needed.",
        },
        mutates=True,
    ),
    Route(
        "api:requests_person_add",
        _team_edits(201, 401),
        method="post",
        kwargs=_api("draft"),
        data={"email": "ben@demo.steward.test", "role": "analyst"},
        mutates=True,
    ),
    Route(
        "api:requests_submit",
        _team_edits(400, 401),
        method="post",
        kwargs=_api("draft"),
        mutates=True,
    ),
    Route(
        "api:requests_screen",
        only({"maya"}, 200, 403, 401),
        method="post",
        kwargs=_api("submitted"),
        data={"action": "start"},
        mutates=True,
    ),
    Route(
        "api:requests_signoff",
        only({"daniel"}, 200, 403, 401) | {"victor": 404},
        method="post",
        kwargs=_api("signoff"),
        data={"decisions": [{"element_id": ITEM_PKS["lde"], "approve": True}]},
        mutates=True,
    ),
    Route(
        "api:requests_conflict",
        only(MEMBERS, 201, 403, 401),
        method="post",
        kwargs=_api("committee"),
        data={"has_conflict": False},
        mutates=True,
    ),
    Route(
        "api:requests_review",
        only({"samuel", "omar"}, 201, 403, 401) | {"hannah": 403, "grace": 400},
        method="post",
        kwargs=lambda f: _declared(f, "request_id"),
        data={
            "scores": {k.removeprefix("score_"): 4 for k in SCORES},
            "vote": "approve",
            "rationale": "Sound.",
        },
        mutates=True,
    ),
    Route(
        "api:requests_decide",
        only({"grace"}, 400, 403, 401),
        method="post",
        kwargs=lambda f: _one_vote(f, "request_id"),
        data={
            "outcome": "approved",
            "rationale": "Sound.",
            "granted_element_ids": [ITEM_PKS["lde"]],
        },
        mutates=True,
    ),
]
