from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "steward.agenda"
    label = "agenda"
    verbose_name = "Research agenda and partnerships"

    def ready(self) -> None:
        from steward.agenda import reminders  # noqa: F401  (registers the reminder job)
