from django.urls import path

from steward.core import views

app_name = "core"

urlpatterns = [
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<uuid:job_id>/", views.job_detail, name="job"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/verify/", views.audit_verify_start, name="audit_verify"),
]
