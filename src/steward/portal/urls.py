from django.urls import path

from steward.portal import views

app_name = "portal"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/<int:pk>/", views.question, name="question"),
    path("projects/", views.projects, name="projects"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/comments/", views.comment_create, name="comment_create"),
    path("projects/<int:pk>/plans/<int:version>/", views.plan, name="plan"),
    path("partnerships/<int:pk>/", views.partnership, name="partnership"),
    path("research-use/", views.research_use, name="research_use"),
    path("search/", views.search, name="search"),
    path("privacy/", views.privacy, name="privacy"),
    path("feed/", views.feed, name="feed"),
    path("workspace/comments/", views.moderation, name="moderation"),
    path("workspace/comments/<int:pk>/", views.comment_decide, name="comment_decide"),
    path("workspace/research-use/new/", views.research_use_create, name="research_use_create"),
]
