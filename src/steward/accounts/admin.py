from django.contrib import admin

from steward.accounts.models import Organization, User
from steward.core.admin import AuditedModelAdmin


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ["name", "code", "kind", "agency_kind"]
    list_filter = ["kind", "agency_kind"]
    search_fields = ["name", "code"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    list_display = ["full_name", "email", "organization", "is_active"]
    list_filter = ["groups", "organization", "is_active"]
    search_fields = ["full_name", "email"]
    fields = ["email", "full_name", "title", "organization", "is_active"]
    readonly_fields = ["email"]

    def has_add_permission(self, request) -> bool:
        # People sign up themselves, or are created with `steward` commands that audit it.
        return False
