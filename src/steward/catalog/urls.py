from django.urls import path

from steward.catalog import views

app_name = "catalog"

urlpatterns = [
    path("catalog/", views.index, name="index"),
    path("catalog/quality/", views.quality, name="quality"),
    path("catalog/versions/<int:version_id>/", views.version_detail, name="version"),
    path("catalog/<slug:agency>/<slug:code>/", views.dataset_detail, name="dataset"),
    path("catalog/<slug:agency>/<slug:code>/upload/", views.dataset_upload, name="upload"),
    path("data-inventory/", views.inventory, name="inventory"),
]
