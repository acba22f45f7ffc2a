"""Read-only views of the catalog for administrators: the catalog changes only by loading its
file, and versions only by ingesting, so that every change is audited."""

from __future__ import annotations

from django.contrib import admin

from steward.catalog.models import ClassificationLevel, Dataset, DatasetVersion, Element


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClassificationLevel)
class ClassificationLevelAdmin(ReadOnlyAdmin):
    list_display = ["level", "name"]


class ElementInline(admin.TabularInline):
    model = Element
    fields = ["position", "name", "label", "type", "required", "classification", "active"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ["agency_code", "code", "name", "agency", "first_year", "last_year", "active"]
    list_filter = ["agency_code", "active"]
    search_fields = ["code", "name"]
    inlines = [ElementInline]


@admin.register(DatasetVersion)
class DatasetVersionAdmin(ReadOnlyAdmin):
    list_display = ["dataset", "year", "version", "status", "rows", "ingested_by", "ingested_at"]
    list_filter = ["status", "dataset__agency_code"]
    list_select_related = ["dataset", "ingested_by"]
    exclude = ["report", "scorecard"]
