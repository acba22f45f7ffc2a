"""The privacy contact is set by an administrator in the administration site."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from steward.core.admin import AuditedModelAdmin
from steward.portal.models import PrivacyContact


@admin.register(PrivacyContact)
class PrivacyContactAdmin(AuditedModelAdmin):
    list_display = ["name", "title", "email", "phone", "updated_at"]
    fields = ["name", "title", "email", "phone", "mailing_address"]

    def has_module_permission(self, request) -> bool:
        return request.user.has_perm("portal.change_privacycontact")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the newest row is shown; an older one is the record of who it was

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
