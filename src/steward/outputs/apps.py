from django.apps import AppConfig


class OutputsConfig(AppConfig):
    name = "steward.outputs"
    label = "outputs"
    verbose_name = "Safe outputs"

    def ready(self) -> None:
        from steward.outputs import findings_surveys, job_kinds  # noqa: F401  (registers jobs)
