from django.core.management import call_command
from django.db import migrations, models


def create_cache_table(apps, schema_editor) -> None:
    # The public page cache's table (settings.CACHES["pages"]); createcachetable skips it if present.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="PageChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
            ],
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
    ]
