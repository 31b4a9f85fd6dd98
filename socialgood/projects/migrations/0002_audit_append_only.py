"""On PostgreSQL, refuse UPDATE and DELETE of audit events from any SQL client.

Application code is already stopped by AuditEvent's manager; the trigger also stops
a psql session or another program with database access. TRUNCATE is left alone so
the test suite can reset tables; it needs table ownership anyway.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION socialgood_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'projects_auditevent is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON projects_auditevent
    FOR EACH ROW EXECUTE FUNCTION socialgood_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_append_only ON projects_auditevent;
DROP FUNCTION IF EXISTS socialgood_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
