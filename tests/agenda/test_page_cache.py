"""The public page cache: anonymous visitors get a stored page until anything changes."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from steward.core.audit import audit_record
from steward.core.pagecache import current_change
from steward.portal.models import PrivacyContact

pytestmark = pytest.mark.django_db


def _contact(name: str) -> PrivacyContact:
    return PrivacyContact.objects.create(
        name=name,
        title="Chief Privacy Officer",
        email="privacy@education.lakeland.gov",
        phone="(555) 010-0000",
        mailing_address="1 Capitol Way",
    )


def test_a_second_visit_is_served_from_the_cache_with_the_same_page(client_for):
    visitor = client_for(None)
    first = visitor.get(reverse("portal:agenda"))
    second = visitor.get(reverse("portal:agenda"))
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_a_page_is_kept_compressed_and_served_as_rendered(client_for, people, project):
    import zlib

    from django.core.cache import caches

    from steward.core import pagecache

    visitor = client_for(None)
    first = visitor.get(reverse("portal:agenda"))
    key = f"{pagecache._KEY}{current_change()}:/agenda/"
    content_type, packed = caches["pages"].get(key)
    assert content_type == first["Content-Type"]
    assert len(packed) < len(first.content) / 3
    assert zlib.decompress(packed) == first.content
    assert visitor.get(reverse("portal:agenda")).content == first.content


def test_the_query_string_is_part_of_the_page(client_for):
    visitor = client_for(None)
    visitor.get(reverse("portal:projects"))
    assert visitor.get(reverse("portal:projects") + "?page=2")["X-Page-Cache"] == "miss"


def test_any_committed_change_is_shown_at_once(client_for):
    visitor = client_for(None)
    assert "Jordan Reyes" not in visitor.get(reverse("home")).content.decode()
    assert visitor.get(reverse("home"))["X-Page-Cache"] == "hit"
    _contact("Jordan Reyes")
    page = visitor.get(reverse("home"))
    assert page["X-Page-Cache"] == "miss"
    assert "Jordan Reyes" in page.content.decode()


def test_a_rolled_back_change_moves_nothing(client_for):
    before = current_change()
    with pytest.raises(RuntimeError), transaction.atomic():
        _contact("Never Saved")
        assert current_change() > before  # visible inside the writing transaction
        raise RuntimeError("roll back")
    assert current_change() == before


def test_bookkeeping_writes_do_not_empty_the_cache(people):
    before = current_change()
    audit_record(actor=people["ana"], action="test.looked", target=None, summary={})
    assert current_change() == before
    _contact("Jordan Reyes")
    assert current_change() > before


def test_signed_in_people_are_never_served_or_stored(client_for, people):
    ana = client_for("ana")
    mine = ana.get(reverse("home"))
    assert "X-Page-Cache" not in mine
    assert str(people["ana"]) in mine.content.decode()
    visitor = client_for(None)
    theirs = visitor.get(reverse("home"))
    assert theirs["X-Page-Cache"] == "miss"
    assert str(people["ana"]) not in theirs.content.decode()
    assert "X-Page-Cache" not in ana.get(reverse("home"))


def test_a_page_with_a_form_is_rendered_afresh(client_for, project):
    visitor = client_for(None)
    page = visitor.get(reverse("portal:project", args=[project.pk]))
    assert page.status_code == 200
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert "X-Page-Cache" not in page
    assert "X-Page-Cache" not in visitor.get(reverse("portal:project", args=[project.pk]))


def test_a_view_whose_page_has_a_form_is_never_stored(rf, settings):
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from steward.core.pagecache import cached_public_page

    calls = []

    @cached_public_page
    def with_form(request):
        calls.append(1)
        return HttpResponse(f"<form>{get_token(request)}</form>")

    for _ in range(2):
        request = rf.get("/with-form/")
        request.user = AnonymousUser()
        response = with_form(request)
        assert "X-Page-Cache" not in response
    assert len(calls) == 2


def test_it_can_be_turned_off(client_for, settings):
    settings.PAGE_CACHE = False
    visitor = client_for(None)
    visitor.get(reverse("portal:agenda"))
    assert "X-Page-Cache" not in visitor.get(reverse("portal:agenda"))


def test_a_project_page_keeps_its_body_and_renders_only_the_form_afresh(
    client_for, project, django_assert_max_num_queries
):
    from steward.portal.models import Comment

    url = reverse("portal:project", args=[project.pk])
    visitor = client_for(None)
    first = visitor.get(url).content.decode()
    with django_assert_max_num_queries(1):  # the change number (the footer's contact is kept too)
        again = visitor.get(url).content.decode()
    assert project.title in again and "csrfmiddlewaretoken" in again
    assert again.split("<h3>Add a comment</h3>")[0] == first.split("<h3>Add a comment</h3>")[0]
    Comment.objects.create(project=project, body="Useful for our district.", status="approved")
    assert "Useful for our district." in visitor.get(url).content.decode()


def test_storing_a_page_again_replaces_it_in_one_statement(django_assert_num_queries, monkeypatch):
    from django.core.cache import caches
    from django.db import connections

    pages = caches["pages"]
    pages.set("0:7:/agenda/", ("text/html", b"first"))
    with monkeypatch.context() as outside:
        # Outside a transaction, as a server stores pages.
        outside.setattr(connections["default"], "in_atomic_block", False)
        with django_assert_num_queries(1):
            pages.set("0:7:/agenda/", ("text/html", b"second"))
    assert pages.page_at_current_change("0:", ":/agenda/") == (current_change(), None)
    assert pages.get("0:7:/agenda/") == ("text/html", b"second")


def test_the_change_number_and_the_page_under_it_are_read_together(django_assert_num_queries):
    from django.core.cache import caches

    pages = caches["pages"]
    change = current_change()
    pages.set(f"0:{change}:/agenda/?status=open", ("text/html", b"<p>open</p>"))
    with django_assert_num_queries(1):
        found = pages.page_at_current_change("0:", ":/agenda/?status=open")
    assert found == (change, ("text/html", b"<p>open</p>"))
    _contact("Jordan Reyes")
    assert pages.page_at_current_change("0:", ":/agenda/?status=open") == (current_change(), None)


def test_the_store_is_culled_past_its_size_now_and_then(monkeypatch):
    from django.core.cache import caches

    from steward.core import pagestore

    pages = caches["pages"]
    monkeypatch.setattr(pages, "_max_entries", 8)
    monkeypatch.setattr(pagestore, "CULL_EVERY", 1)
    for i in range(20):
        pages.set(f"0:{i}:/", ("text/html", b"page"))
    kept = sum(pages.get(f"0:{i}:/") is not None for i in range(20))
    assert 0 < kept <= 9
