from django.apps import AppConfig


class ExtractsConfig(AppConfig):
    name = "steward.extracts"
    label = "extracts"
    verbose_name = "Extracts and workspace"

    def ready(self) -> None:
        from steward.extracts import job_kinds, rules  # noqa: F401  (registers the build job)
