from django.urls import path

from steward.outputs import review_views as review
from steward.outputs import use_views as uses
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
    path("workspace/releases/<int:pk>/verify/", views.release_verify_again, name="release_verify"),
    # Output review, reports and findings
    path("workspace/outputs/", review.outputs, name="outputs"),
    path("workspace/outputs/new/", review.output_new, name="output_new"),
    path("workspace/outputs/<int:pk>/", review.output, name="output"),
    path("workspace/outputs/<int:pk>/decide/", review.output_decide, name="output_decide"),
    path("workspace/outputs/<int:pk>/withdraw/", review.output_withdraw, name="output_withdraw"),
    path("workspace/reports/", review.report, name="report"),
    path("workspace/reports/report.csv", review.report_download, name="report_csv"),
    path("workspace/reports/report.xlsx", review.report_download, name="report_xlsx"),
    path("workspace/reports/<int:pk>/", review.report_run, name="report_run"),
    path("workspace/reports/<int:pk>/report.csv", review.report_run_csv, name="report_run_csv"),
    path("workspace/reports/<int:pk>/report.xlsx", review.report_run_csv, name="report_run_xlsx"),
    path("workspace/findings/", review.findings_workspace, name="findings_workspace"),
    path("workspace/findings/new/", review.finding_new, name="finding_new"),
    path("workspace/findings/<int:pk>/", review.finding_workspace, name="finding_workspace"),
    path("workspace/findings/<int:pk>/review/", review.finding_review, name="finding_review"),
    path("workspace/findings/<int:pk>/clear/", review.finding_clear, name="finding_clear"),
    path("workspace/findings/<int:pk>/publish/", review.finding_publish, name="finding_publish"),
    path("workspace/findings/<int:pk>/invite/", review.finding_invite, name="finding_invite"),
    path("workspace/findings/<int:pk>/uses/", uses.finding_uses, name="finding_uses"),
    path(
        "workspace/findings/<int:pk>/uses/attach/",
        uses.finding_use_attach,
        name="finding_use_attach",
    ),
    path(
        "workspace/findings/<int:pk>/uses/new/", uses.finding_use_record, name="finding_use_record"
    ),
    path(
        "workspace/findings/<int:pk>/uses/ask/",
        uses.finding_survey_create,
        name="finding_survey_create",
    ),
    path("workspace/findings/asks/<int:pk>/stop/", uses.finding_survey_stop, name="survey_stop"),
    path(
        "workspace/findings/answers/<int:pk>/decide/",
        uses.finding_use_decide,
        name="finding_use_decide",
    ),
    path("findings/", review.findings, name="findings"),
    path("findings/<int:pk>/", review.finding, name="finding"),
    path("findings/<int:pk>/finding.pdf", review.finding_pdf_download, name="finding_pdf"),
    path(
        "findings/<int:pk>/tables/<int:release_id>.csv", review.finding_table, name="finding_table"
    ),
    path("findings/use/<slug:token>/", review.use_report, name="use_report"),
]
