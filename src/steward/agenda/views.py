"""Staff pages: the research office sets the agenda and records partnerships; a project's
liaison and principal investigator run the project and register its plans."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steward.agenda import forms, services
from steward.agenda.models import (
    Action,
    AgendaQuestion,
    Meeting,
    Milestone,
    Partnership,
    PreAnalysisPlan,
    Project,
)
from steward.agenda.selectors import (
    partnerships_visible_to,
    project_workspace,
    projects_visible_to,
    questions_visible_to,
)
from steward.core.access import requires


def _attempt(form: Any, change: Callable[[], Any]) -> bool:
    """Run a service; put a refusal on the form (naming the field where known)."""
    try:
        change()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            form.add_error(None, error)
        return False
    return True


def _render_form(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    status = 400 if request.method == "POST" else 200
    return render(request, template, context, status=status)


# The agenda ---------------------------------------------------------------------------------


@requires("agenda.use_workspace")
@require_GET
def questions(request: HttpRequest) -> HttpResponse:
    context = {
        "questions": questions_visible_to(request.user),
        "may_manage": request.user.has_perm("agenda.manage_agenda"),
    }
    return render(request, "agenda/questions.html", context)


@requires("agenda.manage_agenda")
@require_http_methods(["GET", "POST"])
def question_create(request: HttpRequest) -> HttpResponse:
    form = forms.QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(form, lambda: services.question_create(actor=request.user, **data)):
            messages.success(request, "The question is on the agenda.")
            return redirect("agenda:questions")
    return _render_form(request, "agenda/question_form.html", {"form": form})


@requires("agenda.manage_agenda")
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(questions_visible_to(request.user), pk=pk)
    # The form works on its own copy, so the service still compares with the stored row.
    form = forms.QuestionForm(request.POST or None, instance=AgendaQuestion.objects.get(pk=pk))
    status_form = forms.QuestionStatusForm(initial={"status": question.status})
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in forms.QuestionForm.Meta.fields}
        if _attempt(
            form,
            lambda: services.question_update(
                actor=request.user, question=question, changes=changes
            ),
        ):
            messages.success(request, "The question is saved.")
            return redirect("agenda:questions")
    context = {"form": form, "question": question, "status_form": status_form}
    return _render_form(request, "agenda/question_form.html", context)


@requires("agenda.manage_agenda")
@require_POST
def question_status(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(questions_visible_to(request.user), pk=pk)
    form = forms.QuestionStatusForm(request.POST)
    if form.is_valid():
        try:
            services.question_set_status(
                actor=request.user, question=question, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The question is now {question.get_status_display()}.")
    return redirect("agenda:question_edit", pk=question.pk)


# Partnerships -------------------------------------------------------------------------------


@requires("agenda.use_workspace")
@require_GET
def partnerships(request: HttpRequest) -> HttpResponse:
    context = {
        "partnerships": partnerships_visible_to(request.user),
        "may_manage": request.user.has_perm("agenda.manage_partnerships"),
    }
    return render(request, "agenda/partnerships.html", context)


@requires("agenda.manage_partnerships")
@require_http_methods(["GET", "POST"])
def partnership_create(request: HttpRequest) -> HttpResponse:
    form = forms.PartnershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = []

        def create() -> None:
            created.append(services.partnership_create(actor=request.user, **form.cleaned_data))

        if _attempt(form, create):
            messages.success(request, "The partnership is recorded. Add its parties and contacts.")
            return redirect("agenda:partnership", pk=created[0].pk)
    return _render_form(request, "agenda/partnership_form.html", {"form": form})


def _partnership_or_404(request: HttpRequest, pk: int):
    return get_object_or_404(partnerships_visible_to(request.user), pk=pk)


def _partnership_page(request: HttpRequest, partnership, **forms_given) -> HttpResponse:
    context = {
        "partnership": partnership,
        "may_manage": request.user.has_perm("agenda.manage_partnerships"),
        "party_form": forms_given.get("party_form") or forms.PartyForm(prefix="party"),
        "contact_form": forms_given.get("contact_form") or forms.ContactForm(prefix="contact"),
        "document_form": forms_given.get("document_form") or forms.DocumentForm(prefix="document"),
        "projects": partnership.projects.select_related("pi"),
    }
    return render(request, "agenda/partnership.html", context, status=400 if forms_given else 200)


@requires("agenda.use_workspace")
@require_GET
def partnership(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_page(request, _partnership_or_404(request, pk))


@requires("agenda.manage_partnerships")
@require_http_methods(["GET", "POST"])
def partnership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = _partnership_or_404(request, pk)
    form = forms.PartnershipForm(request.POST or None, instance=Partnership.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        if _attempt(
            form,
            lambda: services.partnership_update(
                actor=request.user, partnership=partnership, changes=changes
            ),
        ):
            messages.success(request, "The partnership is saved.")
            return redirect("agenda:partnership", pk=partnership.pk)
    return _render_form(
        request, "agenda/partnership_form.html", {"form": form, "partnership": partnership}
    )


def _partnership_add(request: HttpRequest, pk: int, form_class, field: str, change) -> HttpResponse:
    partnership = _partnership_or_404(request, pk)
    form = form_class(request.POST, prefix=field.removesuffix("_form"))
    if form.is_valid() and _attempt(
        form, lambda: change(actor=request.user, partnership=partnership, **form.cleaned_data)
    ):
        messages.success(request, "Added.")
        return redirect("agenda:partnership", pk=partnership.pk)
    return _partnership_page(request, partnership, **{field: form})


@requires("agenda.manage_partnerships")
@require_POST
def party_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_add(
        request, pk, forms.PartyForm, "party_form", services.partnership_party_add
    )


@requires("agenda.manage_partnerships")
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_add(
        request, pk, forms.ContactForm, "contact_form", services.partnership_contact_add
    )


@requires("agenda.manage_partnerships")
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _partnership_add(
        request, pk, forms.DocumentForm, "document_form", services.partnership_document_add
    )


# Projects -----------------------------------------------------------------------------------

PROJECTS_PER_PAGE = 50


@requires("agenda.use_workspace")
@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    listed = projects_visible_to(request.user)
    page = Paginator(listed, PROJECTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "may_create": request.user.has_perm("agenda.create_project")}
    return render(request, "agenda/projects.html", context)


@requires("agenda.create_project")
@require_http_methods(["GET", "POST"])
def project_create(request: HttpRequest) -> HttpResponse:
    form = forms.ProjectForm(request.POST or None, initial={"liaison": request.user})
    if request.method == "POST" and form.is_valid():
        created = []

        def create() -> None:
            created.append(services.project_create(actor=request.user, **form.cleaned_data))

        if _attempt(form, create):
            messages.success(request, "The project is open (status: planned).")
            return redirect("agenda:project", pk=created[0].pk)
    return _render_form(request, "agenda/project_form.html", {"form": form})


def _project_or_404(request: HttpRequest, pk: int) -> Project:
    try:
        return project_workspace(request.user, pk)
    except Project.DoesNotExist:
        raise Http404 from None


def _editable_project(request: HttpRequest, pk: int) -> Project:
    project = _project_or_404(request, pk)
    if not request.user.has_perm("agenda.edit_project", project):
        raise PermissionDenied
    return project


def _project_page(request: HttpRequest, project: Project, **forms_given) -> HttpResponse:
    people = services.project_people(project)
    today = timezone.localdate()
    context = {
        "project": project,
        "today": today,
        "may_edit": request.user.has_perm("agenda.edit_project", project),
        "may_register_plan": request.user.has_perm("agenda.register_plan", project),
        "status_form": forms.ProjectStatusForm(initial={"status": project.status}),
        "next_statuses": sorted(services.PROJECT_TRANSITIONS[project.status]),
        "milestone_form": forms_given.get("milestone_form")
        or forms.MilestoneForm(people=people, initial={"owner": project.pi_id}, prefix="milestone"),
        "meeting_form": forms_given.get("meeting_form")
        or forms.MeetingForm(people=people, initial={"held_on": today}, prefix="meeting"),
        "action_form": forms.ActionForm(people=people),
        "interim_form": forms_given.get("interim_form")
        or forms.InterimFindingForm(prefix="interim"),
        "status_labels": dict(Project.Status.choices),
    }
    return render(request, "agenda/project.html", context, status=400 if forms_given else 200)


@requires("agenda.use_workspace")
@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_page(request, _project_or_404(request, pk))


@requires("agenda.use_workspace")
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    may_assign = request.user.has_perm("agenda.manage_agenda")
    form = forms.ProjectForm(
        request.POST or None,
        instance=Project.objects.get(pk=pk),
        editing=True,
        may_assign_liaison=may_assign,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        questions, team = data.pop("questions"), data.pop("team")
        if _attempt(
            form,
            lambda: services.project_update(
                actor=request.user, project=project, changes=data, questions=questions, team=team
            ),
        ):
            messages.success(request, "The project is saved.")
            return redirect("agenda:project", pk=project.pk)
    return _render_form(request, "agenda/project_form.html", {"form": form, "project": project})


@requires("agenda.use_workspace")
@require_POST
def project_status(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = forms.ProjectStatusForm(request.POST)
    if form.is_valid():
        try:
            services.project_set_status(
                actor=request.user, project=project, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"The project is now {project.get_status_display()}.")
    return redirect("agenda:project", pk=project.pk)


@requires("agenda.use_workspace")
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = forms.MilestoneForm(
        request.POST, people=services.project_people(project), prefix="milestone"
    )
    if form.is_valid() and _attempt(
        form,
        lambda: services.milestone_add(actor=request.user, project=project, **form.cleaned_data),
    ):
        messages.success(request, "The milestone is on the timeline.")
        return redirect("agenda:project", pk=project.pk)
    return _project_page(request, project, milestone_form=form)


@requires("agenda.use_workspace")
@require_POST
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone.objects.select_related("project"), pk=pk)
    _editable_project(request, milestone.project_id)
    try:
        services.milestone_complete(actor=request.user, milestone=milestone)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{milestone.title}” is done.")
    return redirect("agenda:project", pk=milestone.project_id)


@requires("agenda.use_workspace")
@require_POST
def meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = forms.MeetingForm(
        request.POST, people=services.project_people(project), prefix="meeting"
    )
    if form.is_valid():
        data = form.cleaned_data
        actions = []
        if data["action"]:
            actions.append(
                services.ActionSpec(data["action"], data["action_owner"], data["action_due_on"])
            )
        if _attempt(
            form,
            lambda: services.meeting_record(
                actor=request.user,
                project=project,
                held_on=data["held_on"],
                attendees=data["attendees"],
                notes=data["notes"],
                actions=actions,
            ),
        ):
            messages.success(request, "The meeting is recorded.")
            return redirect("agenda:project", pk=project.pk)
    return _project_page(request, project, meeting_form=form)


@requires("agenda.use_workspace")
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(Meeting.objects.select_related("project"), pk=pk)
    project = _editable_project(request, meeting.project_id)
    form = forms.ActionForm(request.POST, people=services.project_people(project))
    if form.is_valid() and _attempt(
        form, lambda: services.action_add(actor=request.user, meeting=meeting, **form.cleaned_data)
    ):
        messages.success(request, "The action is added.")
    else:
        messages.error(request, "The action was not added: give a description, owner and date.")
    return redirect("agenda:project", pk=project.pk)


@requires("agenda.use_workspace")
@require_POST
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.select_related("meeting__project"), pk=pk)
    _editable_project(request, action.meeting.project_id)
    try:
        services.action_complete(actor=request.user, action=action)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The action is done.")
    return redirect("agenda:project", pk=action.meeting.project_id)


@requires("agenda.use_workspace")
@require_POST
def interim_share(request: HttpRequest, pk: int) -> HttpResponse:
    project = _editable_project(request, pk)
    form = forms.InterimFindingForm(request.POST, prefix="interim")
    if form.is_valid() and _attempt(
        form,
        lambda: services.interim_finding_share(
            actor=request.user, project=project, **form.cleaned_data
        ),
    ):
        messages.success(request, "The interim finding is shared with the agency.")
        return redirect("agenda:project", pk=project.pk)
    return _project_page(request, project, interim_form=form)


# Pre-analysis plans -------------------------------------------------------------------------


def _plan_project(request: HttpRequest, pk: int) -> Project:
    project = _project_or_404(request, pk)
    if not request.user.has_perm("agenda.register_plan", project):
        raise PermissionDenied
    return project


@requires("agenda.use_workspace")
@require_http_methods(["GET", "POST"])
def plan_register(request: HttpRequest, pk: int) -> HttpResponse:
    project = _plan_project(request, pk)
    latest = project.plans.order_by("-version").first()
    initial = (
        {name: getattr(latest, name) for name, _ in PreAnalysisPlan.SECTIONS} if latest else {}
    )
    form = forms.PlanForm(request.POST or None, initial=initial, first=latest is None)
    if request.method == "POST" and form.is_valid():
        registered = []

        def register() -> None:
            registered.append(
                services.plan_register(actor=request.user, project=project, **form.cleaned_data)
            )

        if _attempt(form, register):
            plan = registered[0]
            messages.success(
                request, f"Version {plan.version} of the plan is registered and public."
            )
            return redirect("agenda:project", pk=project.pk)
    context = {"project": project, "form": form, "latest": latest}
    return _render_form(request, "agenda/plan_form.html", context)


@requires("agenda.use_workspace")
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int, version: int) -> HttpResponse:
    """A registered plan is never edited: the page says so, and offers a new version instead."""
    project = _plan_project(request, pk)
    plan = get_object_or_404(project.plans, version=version)
    latest = project.plans.order_by("-version").first()
    initial = {name: getattr(plan, name) for name, _ in PreAnalysisPlan.SECTIONS}
    form = forms.PlanForm(initial=initial, first=False)
    context = {"project": project, "plan": plan, "latest": latest, "form": form}
    status = 409 if request.method == "POST" else 200
    return render(request, "agenda/plan_refused.html", context, status=status)
