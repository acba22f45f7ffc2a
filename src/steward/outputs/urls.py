from django.urls import path

from steward.outputs import views

app_name = "outputs"

urlpatterns = [
    path("disclosure-rules/", views.public_rules, name="public_rules"),
    path("workspace/disclosure-rules/", views.rules, name="rules"),
    path("workspace/disclosure-rules/<slug:scope>/", views.rules_edit, name="rules_edit"),
    path("workspace/protect/", views.protect, name="protect"),
    path("workspace/protect/<int:pk>/", views.protected, name="protected"),
    path("workspace/protect/<int:pk>/protected.csv", views.protected_csv, name="protected_csv"),
    path("workspace/protect/<int:pk>/release/", views.release_create, name="release_create"),
    path("workspace/releases/", views.releases, name="releases"),
    path("workspace/releases/<int:pk>/", views.release, name="release"),
]
