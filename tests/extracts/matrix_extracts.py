"""Permission-matrix rows of extracts: the liaison, the privacy officer and researchers see the
pages; a researcher sees only extracts of agreements naming them; only the liaison builds, only
the privacy officer decides; downloads and the workspace need the agreement's grants (the
matrix's agreement has no accepted terms or training, so they are refused without a trace)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from steward.testing.matrix import Route, expect

_spec = importlib.util.spec_from_file_location(
    "matrix_agreements", Path(__file__).parent.parent / "agreements" / "matrix_agreements.py"
)
_agreements = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_agreements)

SEES = {"maya", "priya", "ana", "ben"}
PAGE_ROLES = SEES | {"lena"}
RECEIVERS = {"ana", "ben", "lena"}


def _extract(fixtures: dict):
    from steward.extracts.models import Extract, ExtractFile

    agreement = _agreements._agreement(fixtures, "active")
    extract = Extract.objects.create(
        agreement=agreement,
        project=agreement.project,
        number=1,
        status=Extract.Status.READY,
        formats=["csv"],
        created_by=fixtures["people"]["maya"],
    )
    ExtractFile.objects.create(
        extract=extract,
        name="sea_attendance",
        agency="sea",
        dataset="attendance",
        path="extracts/none.parquet",
        sha256="0" * 64,
    )
    return extract


def _pk(fixtures: dict) -> dict[str, Any]:
    return {"pk": _extract(fixtures).pk}


def _file(fixtures: dict) -> dict[str, Any]:
    extract = _extract(fixtures)
    return {"pk": extract.pk, "file_pk": extract.files.get().pk}


def _query(fixtures: dict) -> dict[str, Any]:
    return {"pk": _extract(fixtures).pk, "query_pk": 999999}


def _agreement_pk(fixtures: dict) -> dict[str, Any]:
    return {"pk": _agreements._agreement(fixtures, "active").pk}


def _api(fixtures: dict) -> dict[str, Any]:
    return {"extract_id": _extract(fixtures).pk}


def _api_file(fixtures: dict) -> dict[str, Any]:
    extract = _extract(fixtures)
    return {"extract_id": extract.pk, "file_id": extract.files.get().pk}


def _seen(status: int, anonymous: int, **overrides: int) -> dict:
    """Those who see the extract get `status`; Dr. Park 404; the rest 403."""
    table = expect(403, anonymous, lena=404, **dict.fromkeys(SEES, status))
    table.update(overrides)
    return table


ROUTES = [
    Route("extracts:list", expect(403, 302, **dict.fromkeys(PAGE_ROLES, 200))),
    Route("extracts:detail", _seen(200, 302), kwargs=_pk),
    # Maya may build, but no one named on the matrix agreement may receive data: refused.
    Route("extracts:build", expect(403, 302, maya=302), method="post", kwargs=_agreement_pk),
    Route(
        "extracts:decide",
        expect(403, 302, priya=400),
        method="post",
        data={"decision": "approve"},
        kwargs=_pk,
    ),
    # Tracing a leaked file: the privacy officer only, as for the release check.
    Route("extracts:trace", expect(403, 302, priya=200), kwargs=_pk),
    Route("extracts:trace", expect(403, 302, priya=400), method="post", kwargs=_pk),
    Route("extracts:codebook", _seen(404, 302), kwargs=_pk),
    Route("extracts:datapackage", _seen(404, 302), kwargs=_pk),
    Route(
        "extracts:link",
        expect(403, 302, lena=404),
        method="post",
        data={"format": "csv"},
        kwargs=_file,
    ),
    Route(
        "extracts:download",
        expect(403, 302, **dict.fromkeys(RECEIVERS, 410)),
        kwargs=lambda fixtures: {"token": "forged"},
    ),
    Route("extracts:workspace", expect(403, 302, lena=404), kwargs=_pk),
    Route(
        "extracts:workspace_submit",
        expect(403, 302, ana=404, ben=404, lena=404),
        method="post",
        kwargs=_query,
    ),
    Route("api:extracts_list", expect(403, 401, **dict.fromkeys(PAGE_ROLES, 200))),
    Route("api:extracts_detail", _seen(200, 401), kwargs=_api),
    Route(
        "api:extracts_build",
        expect(403, 401, maya=400),
        method="post",
        data={"formats": ["csv"]},
        kwargs=lambda fixtures: {"agreement_id": _agreements._agreement(fixtures, "active").pk},
    ),
    Route(
        "api:extracts_link",
        expect(403, 401, lena=404),
        method="post",
        data={"format": "csv"},
        kwargs=_api_file,
    ),
    Route(
        "api:extracts_query",
        expect(403, 401, lena=404),
        method="post",
        data={"sql": "SELECT 1"},
        kwargs=_api,
    ),
]
