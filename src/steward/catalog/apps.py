from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "steward.catalog"
    label = "catalog"
    verbose_name = "Data catalog and quality"

    def ready(self) -> None:
        from steward.catalog import job_kinds  # noqa: F401  (registers the ingest job)
