from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "steward.portal"
    label = "portal"
    verbose_name = "Public portal"
