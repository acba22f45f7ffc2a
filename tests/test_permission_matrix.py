"""Every URL and API route, for every persona, is allowed or refused as the rules say.

Each route the project serves must appear in ROUTES (or, for the account and administration
pages that come with their libraries, in a group rule). A new route without a row fails
`test_every_route_is_in_the_matrix`, so new work only adds rows.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from steward.accounts.services import api_token_create
from steward.core.models import AuditEntry, Job
from steward.testing.matrix import ANONYMOUS, EVERYONE, Route, expect, only

pytestmark = pytest.mark.django_db

AUDITORS = {"priya", "tom"}
JOB_WATCHERS = {"priya", "tom", "alex"}


def _maya_job(fixtures: dict) -> dict[str, Any]:
    return {"job_id": fixtures["job"].pk}


def _ben_token(fixtures: dict) -> dict[str, Any]:
    return {"token_id": fixtures["token"].pk}


STEWARDS = {"daniel", "rosa", "victor"}
QUALITY_WATCHERS = STEWARDS | {"maya"}


class _CsvUpload:
    """A file for the upload route that gives the same bytes to every request."""

    name = "2020.csv"

    def read(self) -> bytes:
        return b"school_year\n2020\n"


def _catalog_loaded() -> None:
    from steward.catalog.models import Dataset
    from steward.catalog.services import catalog_load

    if not Dataset.objects.exists():
        catalog_load(actor=None)


def _sea_enrollment(fixtures: dict) -> dict[str, Any]:
    _catalog_loaded()
    return {"agency": "sea", "code": "enrollment"}


def _refused_version(fixtures: dict) -> dict[str, Any]:
    from datetime import date

    from steward.catalog.models import Dataset, DatasetVersion

    _catalog_loaded()
    version = DatasetVersion.objects.create(
        dataset=Dataset.objects.get(agency_code="sea", code="enrollment"),
        year=2020,
        status=DatasetVersion.Status.REFUSED,
        received=date(2021, 11, 1),
        report={"results": []},
        scorecard={},
    )
    return {"version_id": version.pk}


ROUTES = [
    Route("home", expect(200, 200)),
    Route("accounts:profile", expect(200, 302)),
    Route("accounts:tokens", expect(200, 302)),
    Route(
        "accounts:tokens",
        expect(200, 302),
        method="post",
        data={"name": "matrix", "days": 30},
        mutates=True,
    ),
    Route(
        "accounts:token_revoke",
        expect(404, 302, ben=302),
        method="post",
        kwargs=_ben_token,
        mutates=True,
    ),
    Route("core:jobs", expect(200, 302)),
    Route(
        "core:job", expect(404, 302, maya=200, **dict.fromkeys(JOB_WATCHERS, 200)), kwargs=_maya_job
    ),
    Route("core:audit_log", only(AUDITORS, 200, 403, 302)),
    Route("core:audit_verify", only(AUDITORS, 302, 403, 302), method="post", mutates=True),
    Route("api:openapi-json", expect(200, 200)),
    Route("api:openapi-view", expect(200, 200)),
    Route("api:api-root", expect(404, 404)),
    Route("api:me", expect(200, 401)),
    Route("api:tokens_list", expect(200, 401)),
    Route(
        "api:tokens_create",
        expect(201, 401),
        method="post",
        data={"name": "matrix", "days": 10},
        mutates=True,
    ),
    Route(
        "api:tokens_revoke",
        expect(404, 401, ben=204),
        method="delete",
        kwargs=_ben_token,
        mutates=True,
    ),
    Route("api:jobs_list", expect(200, 401)),
    Route(
        "api:jobs_detail",
        expect(404, 401, maya=200, **dict.fromkeys(JOB_WATCHERS, 200)),
        kwargs=_maya_job,
    ),
    Route("api:audit_list", only(AUDITORS, 200, 403, 401)),
    Route("api:audit_verify", only(AUDITORS, 202, 403, 401), method="post", mutates=True),
    Route("catalog:index", expect(200, 302)),
    Route("catalog:dataset", expect(200, 302), kwargs=_sea_enrollment),
    Route("catalog:upload", only({"daniel"}, 200, 403, 302), kwargs=_sea_enrollment),
    Route(
        "catalog:upload",
        only({"daniel"}, 302, 403, 302),
        method="post",
        kwargs=_sea_enrollment,
        data={"file": _CsvUpload(), "year": "2020", "received": "2021-11-01"},
        mutates=True,
    ),
    Route("catalog:quality", only(QUALITY_WATCHERS, 200, 403, 302)),
    Route("catalog:version", only(QUALITY_WATCHERS, 200, 403, 302), kwargs=_refused_version),
    Route("catalog:inventory", expect(200, 200)),
    Route("api:catalog_datasets", expect(200, 401)),
    Route("api:catalog_dataset", expect(200, 401), kwargs=_sea_enrollment),
    Route("api:catalog_scorecards", only(QUALITY_WATCHERS, 200, 403, 401)),
]


def _rows_kept_by_apps() -> list[Route]:
    """Rows that apps keep beside their tests, in tests/**/matrix_*.py (module-level ROUTES)."""
    rows: list[Route] = []
    for path in sorted(Path(__file__).parent.rglob("matrix_*.py")):
        spec = importlib.util.spec_from_file_location(f"{path.parent.name}_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        rows.extend(module.ROUTES)
    return rows


ROUTES += _rows_kept_by_apps()

# Pages that come with allauth (sign-in, sign-up, MFA) and Django's administration site are
# checked by rule: they never fail with a server error, and the administration site admits
# only administrators.
LIBRARY_MODULES = ("allauth.",)


def _walk(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or ""), prefix + str(pattern.pattern), pattern


def all_routes() -> list[tuple[str, str, URLPattern]]:
    return list(_walk(get_resolver().url_patterns))


def _sample_kwargs(pattern: URLPattern) -> dict[str, str]:
    names = pattern.pattern.regex.groupindex
    return {name: ("accounts" if name == "app_label" else "1") for name in names}


def _is_library_route(pattern: URLPattern) -> bool:
    module = getattr(pattern.callback, "__module__", "")
    return module.startswith(LIBRARY_MODULES)


@pytest.fixture
def fixtures(people):
    with transaction.atomic():
        job = Job.objects.create(kind="audit.verify", title="Verify", created_by=people["maya"])
    token, _ = api_token_create(actor=people["ben"], name="ben's laptop")
    return {"people": people, "job": job, "token": token}


def _request(client, route: Route, url: str):
    call = getattr(client, route.method)
    if route.name.startswith("api:") and route.method != "get":
        import json

        return call(url, data=json.dumps(route.data), content_type="application/json")
    return call(url, data=route.data)


def test_every_route_is_in_the_matrix():
    covered = {route.name for route in ROUTES}
    missing = [
        name
        for name, _, pattern in all_routes()
        if name not in covered and not _is_library_route(pattern) and not name.startswith("admin:")
    ]
    assert not missing, f"routes without a row in the permission matrix: {missing}"


@pytest.mark.parametrize("persona", [ANONYMOUS, *EVERYONE])
@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method}-{route.name}")
def test_route_answers_each_persona_as_the_rules_say(route, persona, fixtures, client_for):
    client = client_for(persona)
    url = reverse(route.name, kwargs=route.kwargs(fixtures))
    before = AuditEntry.objects.count()
    response = _request(client, route, url)
    assert response.status_code == route.expected[persona], (
        f"{route.method.upper()} {url} as {persona or 'anonymous'}"
    )
    if response.status_code == 302 and persona is None:
        assert response["Location"].startswith(reverse("account_login"))
    written = AuditEntry.objects.count() - before
    if route.mutates and persona is not None and response.status_code < 400:
        assert written == 1, f"a change must write exactly one audit entry, wrote {written}"
    else:
        assert written == 0, "a refused request or a read must not write to the audit log"


@pytest.mark.parametrize("persona", [ANONYMOUS, "ana", "maya", "alex"])
def test_library_pages_never_fail_for_anyone(persona, client_for):
    client = client_for(persona)
    for name, _, pattern in all_routes():
        if not _is_library_route(pattern):
            continue
        url = reverse(name, kwargs=_sample_kwargs(pattern))
        response = client.get(url)
        assert response.status_code < 500, f"GET {url} as {persona}"


@pytest.mark.parametrize("persona", [ANONYMOUS, "ana", "maya", "priya", "alex"])
def test_only_administrators_reach_the_administration_site(persona, client_for):
    client = client_for(persona)
    admin_routes = [(n, p) for n, _, p in all_routes() if n.startswith("admin:") and n != "admin:"]
    assert admin_routes
    for name, pattern in admin_routes:
        if name in ("admin:login", "admin:logout", "admin:view_on_site"):
            continue
        url = reverse(name, kwargs=_sample_kwargs(pattern))
        response = client.get(url)
        if persona == "alex":
            assert response.status_code < 500, url
        else:
            assert response.status_code == 302, url
            assert re.search(r"/(admin|accounts)/login/", response["Location"]), url
    if persona == "alex":
        assert client.get(reverse("admin:accounts_organization_changelist")).status_code == 200


def test_every_project_view_declares_who_may_reach_it():
    undeclared = [
        name
        for name, _, pattern in all_routes()
        if pattern.callback.__module__.startswith("steward.")
        and not hasattr(pattern.callback, "steward_access")
    ]
    assert not undeclared, f"views without @public or @requires: {undeclared}"


def test_every_api_operation_requires_authentication_unless_public():
    from steward.api.api import api

    paths = api.get_openapi_schema()["paths"]
    open_operations = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if not operation.get("security")
    ]
    assert not open_operations, f"API operations without authentication: {open_operations}"
