from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Audit log and jobs"

    def ready(self) -> None:
        from steward.core import checks, job_kinds  # noqa: F401  (registers checks and jobs)
