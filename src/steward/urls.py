from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from steward.api.api import api
from steward.core import views as core_views

# The administration site signs people in through the same login, with MFA, as everything else.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Steward administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("steward.accounts.urls")),
    path("", include("steward.core.urls")),
    path("", include("steward.agenda.urls")),
    path("", include("steward.portal.urls")),
    path("", include("steward.access.urls")),
    path("", include("steward.linkage.urls")),
    path("", include("steward.agreements.urls")),
    path("", include("steward.outputs.urls")),
    path("", include("steward.extracts.urls")),
    path("", include("steward.catalog.urls")),
    path("api/", api.urls),
    path("admin/", admin.site.urls),
]
