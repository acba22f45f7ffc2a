from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "steward.access"
    label = "access"
    verbose_name = "Data requests and review"
