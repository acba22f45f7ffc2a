from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor) -> None:
    # The shared cache's table (settings.CACHES["default"]: rate limits and used one-time
    # codes); createcachetable skips tables already present.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_table(apps, schema_editor) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name('steward_cache')}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_page_cache"),
    ]

    operations = [
        migrations.RunPython(create_cache_table, drop_cache_table),
    ]
