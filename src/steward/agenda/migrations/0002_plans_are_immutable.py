"""Registered pre-analysis plans cannot be changed or removed, even by hand in the database."""

from django.db import migrations

SQLITE_CREATE = [
    """CREATE TRIGGER agenda_preanalysisplan_no_update BEFORE UPDATE ON agenda_preanalysisplan
       BEGIN SELECT RAISE(ABORT, 'a registered plan cannot be changed: register a new version');
       END""",
    """CREATE TRIGGER agenda_preanalysisplan_no_delete BEFORE DELETE ON agenda_preanalysisplan
       BEGIN SELECT RAISE(ABORT, 'a registered plan cannot be removed'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS agenda_preanalysisplan_no_update",
    "DROP TRIGGER IF EXISTS agenda_preanalysisplan_no_delete",
]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION agenda_preanalysisplan_refuse() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'a registered plan cannot be changed: register a new version'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER agenda_preanalysisplan_immutable
       BEFORE UPDATE OR DELETE ON agenda_preanalysisplan
       FOR EACH ROW EXECUTE FUNCTION agenda_preanalysisplan_refuse()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS agenda_preanalysisplan_immutable ON agenda_preanalysisplan",
    "DROP FUNCTION IF EXISTS agenda_preanalysisplan_refuse()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("agenda", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
