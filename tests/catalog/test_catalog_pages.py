from __future__ import annotations

import csv
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from steward.catalog.models import Dataset, DatasetVersion, Element
from steward.core.jobs import job_run
from steward.core.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(catalog, tiny_state):
    """The tiny synthetic state, ingested by each agency's steward."""
    call_command("ingest_all", str(tiny_state), received="due", verbosity=0)
    return tiny_state


def _text(response) -> str:
    return response.content.decode()


def test_staff_find_elements_by_words_of_their_definition(client_for, catalog):
    page = _text(client_for("maya").get(reverse("catalog:index"), {"q": "homeless"}))

    assert "<code>homeless</code>" in page
    assert "McKinney-Vento" in page
    assert "4 · Highly sensitive" in page


def test_the_search_can_be_narrowed_to_one_agency_and_level(client_for, catalog):
    query = {"q": "birth", "agency": "workforce", "level": "3"}
    page = _text(client_for("omar").get(reverse("catalog:index"), query))

    assert "Unemployment-insurance wage records" in page
    found = re.findall(r"catalog/(\w+)/(\w+)/#element-", page)
    assert found and {agency for agency, _ in found} == {"workforce"}


def test_researchers_browse_the_catalog_but_see_no_quality_results(client_for, ingested):
    page = _text(client_for("ana").get(reverse("catalog:dataset", args=["sea", "enrollment"])))

    assert "State student identifier" in page
    assert "Quality" not in page
    assert "Submit a file" not in page


def test_a_steward_sees_each_years_versions_and_the_trend(client_for, ingested):
    page = _text(client_for("daniel").get(reverse("catalog:dataset", args=["sea", "enrollment"])))

    assert 'data-testid="trend"' in page
    trend = page[page.index('data-testid="trend"') :]
    assert '<th scope="col">2019</th><th scope="col">2020</th>' in trend
    assert "Version 1" in page
    assert "Submit a file" in page


def test_the_quality_page_shows_every_dataset_with_its_version_in_use(client_for, ingested):
    page = _text(client_for("maya").get(reverse("catalog:quality")))

    for name in Dataset.objects.values_list("name", flat=True):
        assert name in page
    assert page.count("Version 1") == DatasetVersion.objects.count()


def test_a_refused_submission_page_lists_rule_column_and_rows(
    client_for, catalog, people, tmp_path
):
    from steward.catalog.services import dataset_ingest

    bad = tmp_path / "2019.csv"
    bad.write_text("school_year,district_id,district_name,region,locale\n2019,0001,A,MOON,CITY\n")
    version = dataset_ingest(
        actor=people["daniel"],
        agency="sea",
        dataset="districts",
        year=2019,
        path=bad,
        received=date(2020, 9, 1),
    )

    page = _text(client_for("maya").get(reverse("catalog:version", args=[version.pk])))

    assert "This file was refused" in page
    assert "<code>codes</code>" in page
    assert "<code>region</code>" in page
    assert "MOON" not in page


def test_a_steward_uploads_a_file_and_is_sent_to_its_job(client_for, catalog, tiny_state):
    client = client_for("daniel")
    url = reverse("catalog:upload", args=["sea", "districts"])
    upload = SimpleUploadedFile("2019.csv", (tiny_state / "sea/districts/2019.csv").read_bytes())

    response = client.post(url, {"file": upload, "year": "2019", "received": "2020-09-30"})

    job = Job.objects.get(kind="catalog.ingest")
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job", args=[job.pk])
    job = job_run(job)
    assert job.status == Job.Status.SUCCEEDED
    assert DatasetVersion.objects.get().received == date(2020, 9, 30)


def test_an_upload_without_a_file_is_shown_again_with_the_error(client_for, catalog):
    url = reverse("catalog:upload", args=["sea", "districts"])

    response = client_for("daniel").post(url, {"year": "2019", "received": "2020-09-30"})

    assert response.status_code == 400
    assert "usa-error-message" in _text(response)
    assert not Job.objects.filter(kind="catalog.ingest").exists()


def _student_values(folder, limit: int = 30) -> set[str]:
    values = set()
    with open(folder / "sea/enrollment/2019.csv", newline="") as f:
        for row, _ in zip(csv.DictReader(f), range(limit), strict=False):
            values.update({row["student_id"], row["last_name"], row["birth_date"]})
    return values


def test_the_public_inventory_says_what_is_collected_and_why_without_student_data(client, ingested):
    response = client.get(reverse("catalog:inventory"))
    page = _text(response)

    assert response.status_code == 200
    assert "Lakeland Higher Education Commission" in page
    assert "Highly sensitive" in page
    assert Element.objects.get(dataset__code="districts", name="region").label in page
    for value in _student_values(ingested):
        assert value not in page
    for rows in DatasetVersion.objects.filter(rows__gte=100).values_list("rows", flat=True):
        assert not re.search(rf"\b{rows}\b", page), "the inventory must not count records"
    assert "rows" not in page.lower()


def test_list_pages_use_a_fixed_number_of_queries(
    client_for, ingested, django_assert_max_num_queries
):
    client = client_for("maya")
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:index"))
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:quality"))
    with django_assert_max_num_queries(12):
        client.get(reverse("catalog:inventory"))


def test_the_api_lists_datasets_and_one_datasets_elements(client_for, catalog):
    client = client_for("lena")

    datasets = client.get("/api/catalog/datasets", {"agency": "postsecondary"}).json()
    detail = client.get("/api/catalog/datasets/sea/enrollment").json()

    assert {d["code"] for d in datasets} == {"enrollment", "degrees"}
    names = [e["name"] for e in detail["element_list"]]
    assert names[:2] == ["school_year", "student_id"]
    disability = next(e for e in detail["element_list"] if e["name"] == "disability")
    assert (disability["classification"], disability["ceds"]) == (4, "IDEA Indicator")
    assert client.get("/api/catalog/datasets/sea/lunch").status_code == 404


def test_the_api_gives_scorecards_with_their_trend(client_for, ingested):
    response = client_for("rosa").get(
        "/api/catalog/scorecards", {"agency": "sea", "dataset": "enrollment"}
    )

    [enrollment] = response.json()
    assert [y["year"] for y in enrollment["years"]] == [2019, 2020]
    assert enrollment["years"][0]["version"] == 1
    measures = {m["name"] for m in enrollment["years"][1]["measures"]}
    assert measures == {"completeness", "validity", "uniqueness", "consistency", "timeliness"}
    assert enrollment["trend"]["completeness"][0] is not None
    assert enrollment["trend"]["consistency"][0] is None  # no earlier year to compare with
    assert enrollment["trend"]["timeliness"] == [100.0, 100.0]
