"""Permission-matrix rows of the linkage pages and API routes (a run of the SEA with the
postsecondary agency, with one pair to review)."""

from __future__ import annotations

from typing import Any

from steward.testing.matrix import Route, expect, only

PAIR_STEWARDS = {"daniel", "rosa"}
OFFICERS = {"priya", "tom"}
STEWARDS = PAIR_STEWARDS | {"victor"}


def _run(fixtures: dict) -> dict[str, Any]:
    from django.db import transaction

    from steward.accounts.models import Organization
    from steward.linkage.models import LinkageRun, ReviewPair

    if "linkage_run" not in fixtures:
        agencies = {o.agency_kind: o for o in Organization.objects.filter(kind="agency")}
        with transaction.atomic():
            run = LinkageRun.objects.create(
                from_agency=agencies["sea"],
                to_agency=agencies["postsecondary"],
                status=LinkageRun.Status.SUCCEEDED,
                figures={"counts": {"linked_pairs": 3}},
                started_by=fixtures["people"]["daniel"],
            )
            ReviewPair.objects.create(
                run=run,
                position=1,
                sea_id="1000000001",
                other_id="H000000001",
                probability=0.8,
                match_weight=2.0,
                linked=False,
            )
        fixtures["linkage_run"] = run
    return {"run_id": fixtures["linkage_run"].pk}


def _pair(fixtures: dict) -> dict[str, Any]:
    return {**_run(fixtures), "position": 1}


def _run_page(allowed: int, outsider: int = 403, anonymous: int = 302) -> dict:
    """Stewards of the two agencies get `allowed`, Victor (a third agency) 404."""
    table = only(PAIR_STEWARDS, allowed, outsider, anonymous)
    table["victor"] = 404
    return table


ROUTES = [
    Route("linkage:runs", only(STEWARDS | OFFICERS, 200, 403, 302)),
    Route("linkage:start", only(STEWARDS, 200, 403, 302)),
    Route(
        "linkage:start",
        expect(403, 302, daniel=302, rosa=302, victor=400),
        method="post",
        data={"to_agency": "postsecondary", "mode": "clear"},
        mutates=True,
    ),
    Route("linkage:run", {**_run_page(200), "priya": 200, "tom": 200}, kwargs=_run),
    Route("linkage:accept", _run_page(302), method="post", kwargs=_run, mutates=True),
    # Each view of a pair's records is an audited access: exactly one entry.
    Route("linkage:pair", _run_page(200), kwargs=_pair, mutates=True),
    Route(
        "linkage:pair",
        _run_page(302),
        method="post",
        kwargs=_pair,
        data={"decision": "match"},
        mutates=True,
    ),
    Route("api:linkage_runs", only(STEWARDS | OFFICERS, 200, 403, 401)),
    Route(
        "api:linkage_run",
        {**_run_page(200, anonymous=401), "priya": 200, "tom": 200},
        kwargs=_run,
    ),
    Route(
        "api:linkage_pair_decide",
        _run_page(200, anonymous=401),
        method="post",
        kwargs=_pair,
        data={"decision": "non_match"},
        mutates=True,
    ),
]
