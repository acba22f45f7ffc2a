from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "steward.agreements"
    label = "agreements"
    verbose_name = "Data sharing agreements"
