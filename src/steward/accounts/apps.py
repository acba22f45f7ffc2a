from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "steward.accounts"
    label = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from steward.accounts.roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, sender=self)
