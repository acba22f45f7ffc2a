from django.urls import path

from steward.linkage import views

app_name = "linkage"

urlpatterns = [
    path("linkage/", views.runs, name="runs"),
    path("linkage/start/", views.run_start, name="start"),
    path("linkage/runs/<int:run_id>/", views.run_detail, name="run"),
    path("linkage/runs/<int:run_id>/accept/", views.run_accept, name="accept"),
    path("linkage/runs/<int:run_id>/pairs/<int:position>/", views.pair_review, name="pair"),
]
