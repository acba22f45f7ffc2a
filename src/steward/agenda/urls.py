from django.urls import path

from steward.agenda import views

app_name = "agenda"

urlpatterns = [
    path("workspace/agenda/", views.questions, name="questions"),
    path("workspace/agenda/new/", views.question_create, name="question_create"),
    path("workspace/agenda/<int:pk>/", views.question_edit, name="question_edit"),
    path("workspace/agenda/<int:pk>/status/", views.question_status, name="question_status"),
    path("workspace/partnerships/", views.partnerships, name="partnerships"),
    path("workspace/partnerships/new/", views.partnership_create, name="partnership_create"),
    path("workspace/partnerships/<int:pk>/", views.partnership, name="partnership"),
    path("workspace/partnerships/<int:pk>/edit/", views.partnership_edit, name="partnership_edit"),
    path("workspace/partnerships/<int:pk>/parties/", views.party_add, name="party_add"),
    path("workspace/partnerships/<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("workspace/partnerships/<int:pk>/documents/", views.document_add, name="document_add"),
    path("workspace/projects/", views.projects, name="projects"),
    path("workspace/projects/new/", views.project_create, name="project_create"),
    path("workspace/projects/<int:pk>/", views.project, name="project"),
    path("workspace/projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("workspace/projects/<int:pk>/status/", views.project_status, name="project_status"),
    path("workspace/projects/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path("workspace/projects/<int:pk>/meetings/", views.meeting_add, name="meeting_add"),
    path("workspace/projects/<int:pk>/interim/", views.interim_share, name="interim_share"),
    path("workspace/projects/<int:pk>/plans/new/", views.plan_register, name="plan_register"),
    path(
        "workspace/projects/<int:pk>/plans/<int:version>/edit/",
        views.plan_edit,
        name="plan_edit",
    ),
    path(
        "workspace/milestones/<int:pk>/done/", views.milestone_complete, name="milestone_complete"
    ),
    path("workspace/meetings/<int:pk>/actions/", views.action_add, name="action_add"),
    path("workspace/actions/<int:pk>/done/", views.action_complete, name="action_complete"),
]
