from django.apps import AppConfig


class ExtractsConfig(AppConfig):
    name = "steward.extracts"
    label = "extracts"
    verbose_name = "Extracts and workspace"
