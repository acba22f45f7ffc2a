"""Permission-matrix rows of agreements: the public register is open to all; a researcher sees
only agreements naming them; only the named signer signs, only a named researcher accepts,
only the liaison drafts and edits, only the PI certifies, only administrators edit the
template."""

from __future__ import annotations

from typing import Any

from steward.testing.matrix import Route, expect, only

SEE_ALL = {"maya", "priya", "tom", "grace"}
# Ortiz's agreement grants Education and Higher Education data, so Daniel and Rosa see it.
SEES = SEE_ALL | {"ana", "ben", "daniel", "rosa"}
COMMITTEE = {"grace", "samuel", "hannah", "omar"}


def _sees(status: int, anonymous: int, allowed: set[str] = SEES) -> dict:
    return expect(404, anonymous, **dict.fromkeys(allowed, status))


def _agreement(fixtures: dict, state: str):
    """An agreement in the given state: draft, signature, active, expired, proposed (to the
    liaison) or committee (an amendment the committee votes on)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from steward.access.models import DataRequest, RequestedElement, RequestPerson
    from steward.agenda.models import Partnership, Project
    from steward.agreements import services
    from steward.agreements.checklist import FERPA_CHECKLIST
    from steward.catalog.models import Dataset, Element
    from steward.catalog.services import catalog_load

    if not Dataset.objects.exists():
        catalog_load(actor=None)
    people = fixtures["people"]
    data_request = DataRequest.objects.create(
        created_by=people["ana"],
        status="approved",
        version=1,
        project_title="Matrix study",
        purpose="Matrix purpose.",
        project_summary="Matrix scope.",
        starts_on=timezone.localdate() - timedelta(days=5),
        ends_on=timezone.localdate() + timedelta(days=300),
    )
    data_request.decisions.create(version=1, outcome="approved", rationale="Fine.")
    RequestPerson.objects.create(request=data_request, user=people["ana"], role="pi")
    RequestPerson.objects.create(request=data_request, user=people["ben"], role="co_investigator")
    for agency, dataset, name in (
        ("sea", "attendance", "days_absent"),
        ("postsecondary", "enrollment", "sector"),
    ):
        element = Element.objects.get(dataset__agency_code=agency, dataset__code=dataset, name=name)
        RequestedElement.objects.create(
            request=data_request,
            element=element,
            agency=element.dataset.agency,
            first_year=2016,
            last_year=2019,
            signoff="approved",
            granted=True,
        )
    partnership = Partnership.objects.create(
        name=f"Matrix alliance {data_request.pk}",
        kind="alliance",
        summary="S.",
        proposes_questions="Q.",
        decides_publication="P.",
        interprets_findings="I.",
        disseminates="D.",
        independence="Full.",
        review_period_days=30,
        starts_on=date(2025, 1, 1),
    )
    project = Project.objects.create(
        partnership=partnership,
        title="Matrix project",
        summary="S.",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2025, 1, 1),
    )
    agreement = services.agreement_draft(
        actor=people["maya"],
        data_request=data_request,
        project=project,
        sea_signer=people["grace"],
        organization_signer=people["ana"],
    )
    services.agreement_update(
        actor=people["maya"],
        agreement=agreement,
        fields={},
        ferpa_checklist=dict.fromkeys([key for key, _ in FERPA_CHECKLIST], True),
    )
    if state == "draft":
        return agreement
    version = services.agreement_send_for_signature(actor=people["maya"], agreement=agreement)
    if state == "signature":
        return agreement
    for key in ("grace", "ana"):
        services.agreement_sign(
            actor=people[key], version=version, typed_name=people[key].full_name, attest=True
        )
    if state == "proposed":
        services.amendment_propose(
            actor=people["ana"], agreement=agreement, reason="Goals.", terms={"goals": "New."}
        )
    if state == "committee":  # the liaison's own amendment: the committee votes on it
        services.amendment_propose(
            actor=people["maya"], agreement=agreement, reason="Goals.", terms={"goals": "New."}
        )
    if state == "expired":
        services.agreements_daily(at=timezone.now() + timedelta(days=400))
    agreement.refresh_from_db()
    return agreement


def _pk(state: str):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"pk": _agreement(fixtures, state).pk}

    return kwargs


def _version(state: str, number: int = 1):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"pk": _agreement(fixtures, state).pk, "number": number}

    return kwargs


def _api(state: str):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"agreement_id": _agreement(fixtures, state).pk}

    return kwargs


def _api_version(state: str, number: int = 1):
    def kwargs(fixtures: dict) -> dict[str, Any]:
        return {"agreement_id": _agreement(fixtures, state).pk, "number": number}

    return kwargs


def _approved_request(fixtures: dict) -> dict[str, Any]:
    agreement = _agreement(fixtures, "draft")
    data_request = agreement.data_request
    agreement.versions.all().delete()
    agreement.delete()
    return {"pk": data_request.pk}


def _project(fixtures: dict) -> dict[str, Any]:
    return {"project_id": _agreement(fixtures, "active").project_id}


def _visible_then(status: int, anonymous: int, **overrides: int) -> dict:
    """Those who see the agreement get `status`, the others 404, except the overrides."""
    return _sees(status, anonymous) | overrides


ROUTES = [
    Route("agreements:register", expect(200, 200)),
    Route("agreements:list", expect(200, 302)),
    Route("agreements:closeouts", only({"priya", "maya"}, 200, 403, 302)),
    Route("agreements:template", only({"alex"}, 200, 403, 302)),
    Route(
        "agreements:template",
        only({"alex"}, 400, 403, 302),
        method="post",
        data={"title": "Broken", "body": "{{ nothing }}"},
        mutates=True,
    ),
    Route("agreements:detail", _sees(200, 302), kwargs=_pk("active")),
    Route("agreements:detail", _sees(200, 302), kwargs=_pk("draft")),
    Route("agreements:text", _sees(200, 302), kwargs=_version("active")),
    Route("agreements:pdf", _sees(200, 302), kwargs=_version("active")),
    Route("agreements:draft", only({"maya"}, 200, 403, 302), kwargs=_approved_request),
    # Maya's form lacks its fields: refused with a message, nothing written.
    Route(
        "agreements:draft",
        only({"maya"}, 400, 403, 302),
        method="post",
        kwargs=_approved_request,
        mutates=True,
    ),
    Route("agreements:edit", only({"maya"}, 200, 403, 302), kwargs=_pk("draft")),
    Route(
        "agreements:send",
        only({"maya"}, 302, 403, 302),
        method="post",
        kwargs=_pk("draft"),
        mutates=True,
    ),
    # Only the two named signers may open the signing page; the PI typing Grace's name is refused.
    Route(
        "agreements:sign",
        _visible_then(403, 302, grace=200, ana=200),
        kwargs=_version("signature"),
    ),
    Route(
        "agreements:sign",
        _visible_then(403, 302, grace=302, ana=400),
        method="post",
        kwargs=_version("signature"),
        data={"typed_name": "Grace Liu", "attest": "on"},
        mutates=True,
    ),
    Route(
        "agreements:accept",
        only({"ana", "ben"}, 200, 403, 302) | {"lena": 404},
        kwargs=_version("active"),
    ),
    Route(
        "agreements:accept",
        only({"ben"}, 302, 403, 302) | {"lena": 404, "ana": 400},
        method="post",
        kwargs=_version("active"),
        data={"typed_name": "Ben Carter", "attest": "on"},
        mutates=True,
    ),
    Route(
        "agreements:amend",
        only({"maya", "ana"}, 200, 403, 302) | {"ben": 403, "lena": 404},
        kwargs=_pk("active"),
    ),
    Route(
        "agreements:approve",
        only({"maya", "grace"}, 200, 403, 302),
        kwargs=_version("proposed", 2),
    ),
    Route(
        "agreements:approve",
        only({"maya"}, 302, 403, 302) | {"grace": 403},
        method="post",
        kwargs=_version("proposed", 2),
        data={"decision": "approve", "note": ""},
        mutates=True,
    ),
    # A committee amendment: only the chair records the decision, and never before the votes
    # meet the rules (refused, nothing written); each member not recused votes once.
    Route(
        "agreements:approve",
        only({"maya", "grace"}, 200, 403, 302),
        kwargs=_version("committee", 2),
    ),
    Route(
        "agreements:approve",
        only({"grace"}, 400, 403, 302),
        method="post",
        kwargs=_version("committee", 2),
        data={"decision": "approve", "note": "The chair alone."},
        mutates=True,
    ),
    Route(
        "agreements:vote",
        only(COMMITTEE, 200, 403, 302),
        kwargs=_version("committee", 2),
    ),
    Route(
        "agreements:vote",
        only(COMMITTEE, 302, 403, 302),
        method="post",
        kwargs=_version("committee", 2),
        data={"vote": "approve", "rationale": "Clearer goals."},
        mutates=True,
    ),
    Route(
        "agreements:certify",
        only({"ana", "ben"}, 200, 403, 302) | {"lena": 404},
        kwargs=_pk("expired"),
    ),
    Route("api:agreements_list", expect(200, 401)),
    Route("api:agreements_detail", _sees(200, 401), kwargs=_api("active")),
    Route("api:agreements_grants", expect(200, 401), kwargs=_project),
    Route(
        "api:agreements_sign",
        _visible_then(403, 401, grace=200, ana=400),
        method="post",
        kwargs=_api_version("signature"),
        data={"typed_name": "Grace Liu", "attest": True},
        mutates=True,
    ),
    Route(
        "api:agreements_accept",
        only({"ben"}, 200, 403, 401) | {"lena": 404, "ana": 400},
        method="post",
        kwargs=_api_version("active"),
        data={"typed_name": "Ben Carter", "attest": True},
        mutates=True,
    ),
]
