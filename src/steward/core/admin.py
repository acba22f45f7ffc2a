"""The administration site writes to the audit chain like every other change."""

from __future__ import annotations

from django.contrib import admin

from steward.core.audit import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """Admin changes run inside the admin's transaction; record each in the audit chain."""

    def _audit(self, request, obj, verb: str, detail: str = "") -> None:
        audit_record(
            actor=request.user,
            action=f"admin.{verb}",
            target=obj,
            summary={"via": "admin", "fields": detail[:500]} if detail else {"via": "admin"},
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, "added")
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        fields = (
            sorted({name for part in message for name in part.get("changed", {}).get("fields", [])})
            if isinstance(message, list)
            else []
        )
        self._audit(request, obj, "changed", ", ".join(fields))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)
