from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "steward.linkage"
    label = "linkage"
    verbose_name = "Record linkage"

    def ready(self) -> None:
        from steward.linkage import job_kinds  # noqa: F401  (registers the linkage job)
