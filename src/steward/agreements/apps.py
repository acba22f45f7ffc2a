from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "steward.agreements"
    label = "agreements"
    verbose_name = "Data sharing agreements"

    def ready(self) -> None:
        from steward.agreements import job_kinds  # noqa: F401  (registers the daily job)
