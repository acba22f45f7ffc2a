from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "steward.accounts"
    label = "accounts"
    verbose_name = "Accounts and organizations"
