"""The public portal: pages for anonymous visitors, comments held for moderation (rate-limited,
with a spam trap), the Atom feed, search, the privacy contact, and pinned query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from steward.agenda import services
from steward.agenda.models import Project
from steward.core.models import AuditEntry
from steward.portal.models import Comment, PrivacyContact, ResearchUse
from steward.portal.services import COMMENTS_PER_WINDOW, comment_moderate

pytestmark = pytest.mark.django_db


def _comment(client, project, body="When will the results be published?", **extra):
    return client.post(reverse("portal:comment_create", args=[project.pk]), {"body": body, **extra})


def test_an_anonymous_visitor_goes_from_the_agenda_to_a_project_to_its_plan(client, project, plan):
    agenda = client.get(reverse("portal:agenda")).content.decode()
    assert reverse("portal:project", args=[project.pk]) in agenda
    page = client.get(reverse("portal:project", args=[project.pk])).content.decode()
    assert "Lakeland State University, Center for Education Policy" in page
    assert "No findings have been published yet" in page
    assert reverse("portal:plan", args=[project.pk, 1]) in page
    assert client.get(reverse("portal:plan", args=[project.pk, 1])).status_code == 200


def test_the_home_page_shows_the_agenda(client, question, project):
    page = client.get(reverse("home")).content.decode()
    assert question.title in page
    assert project.title in page


def test_a_comment_appears_only_after_a_moderator_approves_it(client, people, project):
    response = _comment(client, project)
    assert response.status_code == 303
    comment = Comment.objects.get()
    assert comment.status == "pending"
    page = reverse("portal:project", args=[project.pk])
    assert "When will the results" not in client.get(page).content.decode()
    comment_moderate(actor=people["priya"], comment=comment, status="approved")
    assert "When will the results" in client.get(page).content.decode()


def test_submitting_a_comment_writes_no_audit_entry_but_moderating_does(client, people, project):
    before = AuditEntry.objects.count()
    _comment(client, project)
    assert AuditEntry.objects.count() == before
    comment_moderate(actor=people["maya"], comment=Comment.objects.get(), status="rejected")
    assert AuditEntry.objects.count() == before + 1


def test_the_spam_trap_keeps_nothing_and_tells_the_bot_nothing(client, project):
    response = _comment(client, project, website="http://spam.example")
    assert response.status_code == 303
    assert not Comment.objects.exists()


def test_comments_are_rate_limited_per_connection(client, project):
    for _ in range(COMMENTS_PER_WINDOW):
        assert _comment(client, project).status_code == 303
    refused = _comment(client, project)
    assert refused.status_code == 429
    assert "Too many comments" in refused.content.decode()
    assert Comment.objects.count() == COMMENTS_PER_WINDOW


def test_an_empty_comment_is_refused_by_field(client, project):
    response = _comment(client, project, body="   ")
    assert response.status_code == 400
    assert not Comment.objects.exists()


def test_a_refused_comment_comes_back_with_what_was_typed_after_the_empty_form_is_kept(
    client, project, settings
):
    from steward.portal.views import _kept_empty_comment_fields

    settings.DEBUG = False  # as in production, where the empty form is kept
    _kept_empty_comment_fields.cache_clear()
    empty = client.get(reverse("portal:project", args=[project.pk])).content.decode()
    again = client.get(reverse("portal:project", args=[project.pk])).content.decode()
    assert _kept_empty_comment_fields.cache_info().hits == 1
    fields = _kept_empty_comment_fields()
    assert fields in empty and fields in again
    assert 'name="author_name"' in empty and 'name="body"' in empty
    refused = _comment(client, project, body="   ", author_name="Jordan from Harbor City")
    html = refused.content.decode()
    assert refused.status_code == 400
    assert 'value="Jordan from Harbor City"' in html
    assert "usa-error-message" in html and "usa-error-message" not in empty


def test_a_moderator_cannot_approve_a_comment_twice(people, project, client):
    _comment(client, project)
    comment = Comment.objects.get()
    stale = Comment.objects.get(pk=comment.pk)
    comment_moderate(actor=people["maya"], comment=comment, status="approved")
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Someone else"):
        comment_moderate(actor=people["priya"], comment=stale, status="rejected")


def test_the_feed_is_atom_with_the_newest_projects(client, project):
    response = client.get(reverse("portal:feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert "<feed" in body and project.title in body


def test_search_finds_questions_and_projects_but_not_planned_projects(client, people, project):
    services.project_create(
        actor=people["maya"],
        partnership=project.partnership,
        title="A secret absence study",
        summary="S",
        pi=people["ana"],
        liaison=people["maya"],
        starts_on=date(2027, 1, 1),
    )
    page = client.get(reverse("portal:search"), {"q": "absen"}).content.decode()
    assert project.title in page
    assert "chronically absent" in page
    assert "A secret absence study" not in page


def test_the_privacy_page_names_the_contact_an_administrator_set(client, settings):
    page = client.get(reverse("portal:privacy")).content.decode()
    assert settings.PRIVACY_CONTACT["name"] in page
    PrivacyContact.objects.create(
        name="Jordan Ruiz", title="Privacy officer", email="jruiz@example.org", phone="555-0101"
    )
    page = client.get(reverse("portal:privacy")).content.decode()
    assert "Jordan Ruiz" in page and "jruiz@example.org" in page and "555-0101" in page


def test_an_administrator_edits_the_privacy_contact_in_the_admin(client_for):
    alex = client_for("alex")
    response = alex.post(
        reverse("admin:portal_privacycontact_add"),
        {"name": "Jordan Ruiz", "email": "jruiz@example.org", "phone": "555-0101"},
    )
    assert response.status_code == 302
    assert PrivacyContact.objects.get().name == "Jordan Ruiz"
    assert AuditEntry.objects.order_by("-seq").first().action == "admin.added"


# Query counts on list pages -----------------------------------------------------------------


def _many_projects(people, project, count: int) -> None:
    from steward.agenda.models import AgendaQuestion

    questions = list(AgendaQuestion.objects.all())
    for number in range(count):
        made = Project.objects.create(
            partnership=project.partnership,
            title=f"Study {number}",
            summary="S",
            pi=people["ana"],
            liaison=people["maya"],
            status="active",
            starts_on=date(2026, 1, 1),
        )
        made.questions.set(questions)
        ResearchUse.objects.create(
            kind="citation",
            description="Cited.",
            used_by=f"Journal {number}",
            used_on=date(2026, 1, 1),
            source="Vol. 1",
            project=made,
        )


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    ("name", "limit"),
    [
        ("home", 7),
        ("portal:agenda", 7),
        ("portal:projects", 10),
        ("portal:research_use", 7),
        ("portal:feed", 7),
        ("portal:search", 7),
    ],
)
def test_public_list_pages_take_a_fixed_number_of_queries(
    client, people, project, count, name, limit, django_assert_max_num_queries, settings
):
    _many_projects(people, project, count)
    settings.PAGE_CACHE = False  # what rendering the page costs
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name), {"q": "Study"} if name == "portal:search" else {})
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["home", "portal:agenda", "portal:projects", "portal:search"])
def test_a_cached_public_page_takes_one_query(
    client, people, project, name, django_assert_num_queries
):
    _many_projects(people, project, 30)
    query = {"q": "Study"} if name == "portal:search" else {}
    first = client.get(reverse(name), query)
    with django_assert_num_queries(1):  # the change number and the page kept under it
        again = client.get(reverse(name), query)
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(
    ("name", "persona", "limit"),
    [
        ("agenda:projects", "maya", 12),
        ("agenda:questions", "maya", 10),
        ("agenda:partnerships", "ana", 10),
        ("portal:moderation", "priya", 10),
    ],
)
def test_staff_list_pages_take_a_fixed_number_of_queries(
    client_for, people, project, count, name, persona, limit, django_assert_max_num_queries
):
    _many_projects(people, project, count)
    Comment.objects.bulk_create(Comment(project=project, body=f"c{i}") for i in range(count))
    client = client_for(persona)
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name))
    assert response.status_code == 200


def test_the_project_page_reads_each_list_it_shows_in_one_query_and_an_empty_one_in_none(
    client, people, project, plan, django_assert_num_queries, settings
):
    settings.PAGE_CACHE = False  # what rendering the page costs
    url = reverse("portal:project", args=[project.pk])
    project.team.clear()
    # The project with its flags, its partners, questions and plan; the footer's contact.
    with django_assert_num_queries(5):
        assert client.get(url).status_code == 200
    project.team.add(people["ben"])
    for number in range(3):
        ResearchUse.objects.create(
            kind="citation",
            description="Cited.",
            used_by=f"Journal {number}",
            used_on=date(2026, 1, 1),
            source="Vol. 1",
            project=project,
        )
        comment = Comment.objects.create(project=project, body=f"Question {number}")
        comment_moderate(actor=people["priya"], comment=comment, status="approved")
    with django_assert_num_queries(8):  # and the team, the uses and the comments
        page = client.get(url).content.decode()
    assert "Journal 2" in page and "Question 2" in page and people["ben"].full_name in page


def test_comments_not_approved_cost_the_project_page_no_query_and_do_not_show(
    client, people, project, plan, django_assert_num_queries, settings
):
    settings.PAGE_CACHE = False  # what rendering the page costs
    project.team.clear()
    Comment.objects.create(project=project, body="Held for moderation.")
    rejected = Comment.objects.create(project=project, body="Rejected by the office.")
    comment_moderate(actor=people["priya"], comment=rejected, status="rejected")
    with django_assert_num_queries(5):  # as with no comments at all
        page = client.get(reverse("portal:project", args=[project.pk])).content.decode()
    assert "No comments yet." in page
    assert "Held for moderation." not in page and "Rejected by the office." not in page
