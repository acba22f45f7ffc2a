from django.apps import AppConfig


class OutputsConfig(AppConfig):
    name = "steward.outputs"
    label = "outputs"
    verbose_name = "Safe outputs"
