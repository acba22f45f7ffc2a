from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "steward.linkage"
    label = "linkage"
    verbose_name = "Record linkage"
