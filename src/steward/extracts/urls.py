from django.urls import path

from steward.extracts import views

app_name = "extracts"

urlpatterns = [
    path("extracts/", views.extract_list, name="list"),
    path("agreements/<int:pk>/extract/", views.extract_build, name="build"),
    path("extracts/<int:pk>/", views.extract_detail, name="detail"),
    path("extracts/<int:pk>/decide/", views.extract_decide, name="decide"),
    path("extracts/<int:pk>/trace/", views.extract_trace, name="trace"),
    path("extracts/<int:pk>/codebook/", views.extract_codebook, name="codebook"),
    path("extracts/<int:pk>/datapackage.json", views.extract_datapackage, name="datapackage"),
    path("extracts/<int:pk>/files/<int:file_pk>/link/", views.download_link, name="link"),
    path("extracts/download/<str:token>/", views.download, name="download"),
    path("extracts/<int:pk>/workspace/", views.workspace, name="workspace"),
    path(
        "extracts/<int:pk>/workspace/<int:query_pk>/submit/",
        views.workspace_submit,
        name="workspace_submit",
    ),
]
