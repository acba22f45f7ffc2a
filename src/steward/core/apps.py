from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "steward.core"
    label = "core"
    verbose_name = "Audit log and jobs"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from steward.core import checks, job_kinds  # noqa: F401  (registers checks and jobs)
        from steward.core.pagecache import after_migrate, watch_connection

        connection_created.connect(watch_connection, dispatch_uid="steward.pagecache")
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="steward.pagecache")
