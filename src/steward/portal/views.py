"""The public portal: the agenda, projects and their plans, research use, comments, the feed,
search and the privacy page; and the research office's moderation and research-use pages."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.agenda.models import AgendaQuestion, Partnership, PreAnalysisPlan, Project
from steward.agenda.selectors import (
    PROJECTS_SHOWN_PER_QUESTION,
    plan_differences,
    public_partnership,
    public_plan_page,
    public_project,
    public_projects,
    public_question,
    public_questions,
    search_public,
)
from steward.core.access import public, requires
from steward.core.pagecache import cached_public_page, current_change
from steward.outputs.findings_selectors import (
    findings_answering,
    search_findings,
)
from steward.portal.feeds import NewProjectsFeed
from steward.portal.forms import CommentForm, ModerationForm, ResearchUseForm, SearchForm
from steward.portal.models import Comment, ResearchUse
from steward.portal.selectors import (
    comments_to_moderate,
    privacy_contact,
    public_project_page,
    public_research_uses,
    search_research_uses,
)
from steward.portal.services import (
    RateLimited,
    comment_moderate,
    comment_submit,
    research_use_record,
)

PER_PAGE = 25


def _choice(value: str | None, choices) -> str:
    return value if value in dict(choices) else ""


@public
@require_GET
@cached_public_page
def agenda(request: HttpRequest) -> HttpResponse:
    status = _choice(request.GET.get("status"), AgendaQuestion.Status.choices)
    context = {
        "questions": public_questions(status=status, projects_shown=PROJECTS_SHOWN_PER_QUESTION),
        "status": status,
        "statuses": AgendaQuestion.Status.choices,
    }
    return render(request, "portal/agenda.html", context)


@public
@require_GET
@cached_public_page
def question(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = public_question(pk)
    except AgendaQuestion.DoesNotExist:
        raise Http404 from None
    findings = findings_answering(found)
    return render(request, "portal/question.html", {"question": found, "findings": findings})


@public
@require_GET
@cached_public_page
def projects(request: HttpRequest) -> HttpResponse:
    status = _choice(request.GET.get("status"), Project.Status.choices)
    if status and status not in Project.PUBLIC_STATUSES:
        status = ""
    page = Paginator(public_projects(status=status), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "query": f"status={status}" if status else "",
    }
    return render(request, "portal/projects.html", context)


def _public_project_or_404(pk: int) -> Project:
    try:
        return public_project(pk)
    except Project.DoesNotExist:
        raise Http404 from None


@lru_cache(maxsize=1)
def _kept_empty_comment_fields() -> str:
    return render_to_string("portal/_comment_fields.html", {"form": CommentForm()})


def _empty_comment_fields() -> str:
    """The comment form's fields before anything is typed: the same for every visitor, so
    rendered once per process (in development afresh, as templates change under the server)."""
    if settings.DEBUG:
        return _kept_empty_comment_fields.__wrapped__()
    return _kept_empty_comment_fields()


def _project_page(
    request: HttpRequest, project: Project | int, form: CommentForm | None = None
) -> HttpResponse:
    """A project's public page. All but the comment form (whose CSRF token is each visitor's
    own) is the same for everyone: it is rendered once per change of the database (see
    steward.core.pagecache), and the project is loaded only when that copy is stale."""
    pk = project if isinstance(project, int) else project.pk
    change = current_change() if settings.PAGE_CACHE else None
    request.page_change = change
    key = f"portal:project:{pk}:{change}"
    found = caches["local"].get(key) if change is not None else None
    if found is None:
        # Loaded after the change number was read (never before), so that what is rendered is
        # at least as new as the change it is kept under.
        try:
            page = public_project_page(pk)
        except Project.DoesNotExist:
            raise Http404 from None
        found = (page.project.title, render_to_string("portal/_project_body.html", vars(page)))
        if change is not None:
            caches["local"].set(key, found, 3600)
    title, body = found
    context = {
        "project_pk": pk,
        "title": title,
        "body": mark_safe(body),  # noqa: S308 - rendered from our own template, escaped there
        "form": form or CommentForm(),
        # A refused comment's form shows what was typed, and why it was refused.
        "fields": None if form else mark_safe(_empty_comment_fields()),  # noqa: S308 - as the body
    }
    return render(request, "portal/project.html", context, status=400 if form else 200)


@public
@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    # Not in the page cache, because of the comment form; its body is cached apart.
    return _project_page(request, pk)


def _client(request: HttpRequest) -> str:
    # Behind the reverse proxy, REMOTE_ADDR is the proxy; gunicorn passes the forwarded one.
    return request.META.get("REMOTE_ADDR", "")


def _see_comments(project: Project) -> HttpResponse:
    # 303 See Other: the visitor's browser fetches the project page with GET after the POST.
    response = redirect(reverse("portal:project", args=[project.pk]) + "#comments")
    response.status_code = 303
    return response


@public
@require_POST
def comment_create(request: HttpRequest, pk: int) -> HttpResponse:
    project = _public_project_or_404(pk)
    form = CommentForm(request.POST)
    held = "Thank you. Your comment will appear once the research office has read it."
    if not form.is_valid():
        return _project_page(request, project, form)
    if form.is_spam:
        # Answer as if it worked, so that a bot learns nothing; keep nothing.
        messages.success(request, held)
        return _see_comments(project)
    try:
        comment_submit(
            actor=request.user if request.user.is_authenticated else None,
            project=project,
            body=form.cleaned_data["body"],
            author_name=form.cleaned_data["author_name"],
            client=_client(request),
        )
    except RateLimited:
        form.add_error(None, "Too many comments from your connection: please try again later.")
        response = _project_page(request, project, form)
        response.status_code = 429
        return response
    except ValidationError as error:
        form.add_error(None, error)
        return _project_page(request, project, form)
    messages.success(request, held)
    return _see_comments(project)


@public
@require_GET
@cached_public_page
def plan(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    try:
        page = public_plan_page(pk, version)
    except PreAnalysisPlan.DoesNotExist:
        raise Http404 from None
    context = {
        "plan": page.plan,
        "project": page.plan.project,
        "previous": page.previous,
        "differences": plan_differences(page.previous, page.plan) if page.previous else [],
        "versions": page.versions,
    }
    return render(request, "portal/plan.html", context)


@public
@require_GET
@cached_public_page
def partnership(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        found = public_partnership(pk)
    except Partnership.DoesNotExist:
        raise Http404 from None
    return render(request, "portal/partnership.html", {"partnership": found})


@public
@require_GET
@cached_public_page
def research_use(request: HttpRequest) -> HttpResponse:
    kind = _choice(request.GET.get("kind"), ResearchUse.Kind.choices)
    page = Paginator(public_research_uses(kind=kind), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "kind": kind,
        "kinds": ResearchUse.Kind.choices,
        "query": f"kind={kind}" if kind else "",
        "may_record": request.user.has_perm("portal.record_research_use"),
    }
    return render(request, "portal/research_use.html", context)


@public
@require_GET
@cached_public_page
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    results = search_public(q)
    results["research_uses"] = search_research_uses(q)
    results["findings"] = search_findings(q)
    return render(request, "portal/search.html", {"form": form, "q": q, **results})


@public
@require_GET
@cached_public_page
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/privacy.html", {"contact": privacy_contact()})


_feed = NewProjectsFeed()


@public
@require_GET
@cached_public_page
def feed(request: HttpRequest) -> HttpResponse:
    return _feed(request)


# The research office ------------------------------------------------------------------------


@requires("portal.moderate_comments")
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    status = _choice(request.GET.get("status"), Comment.Status.choices) or Comment.Status.PENDING
    page = Paginator(comments_to_moderate(request.user, status=status), 50).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "status": status,
        "statuses": Comment.Status.choices,
        "query": f"status={status}",
    }
    return render(request, "portal/moderation.html", context)


@requires("portal.moderate_comments")
@require_POST
def comment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    comment = get_object_or_404(Comment.objects.select_related("project"), pk=pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose to approve or reject the comment.")
    else:
        try:
            comment_moderate(
                actor=request.user, comment=comment, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The comment is {comment.get_status_display().lower()}.")
    return redirect("portal:moderation")


@requires("portal.record_research_use")
@require_http_methods(["GET", "POST"])
def research_use_create(request: HttpRequest) -> HttpResponse:
    form = ResearchUseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            research_use_record(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The use is in the public log.")
            return redirect("portal:research_use")
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/research_use_form.html", {"form": form}, status=status)
