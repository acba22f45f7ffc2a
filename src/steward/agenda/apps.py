from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "steward.agenda"
    label = "agenda"
    verbose_name = "Research agenda and partnerships"
