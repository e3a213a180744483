# ExportJob now belongs to portability (portability 0001, issue 11). Its table and rows stay;
# wallet forgets the model, and what names it by app follows: its content type (so
# permissions and admin history stay with it) and the audit rows' target type.

from django.db import migrations


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("wallet", "AuditEvent")
    if not ContentType.objects.filter(app_label=new, model="exportjob").exists():
        ContentType.objects.filter(app_label=old, model="exportjob").update(app_label=new)
    AuditEvent.objects.filter(target_type=f"{old}.exportjob").update(target_type=f"{new}.exportjob")


def forwards(apps, schema_editor):
    _relabel(apps, "wallet", "portability")


def backwards(apps, schema_editor):
    _relabel(apps, "portability", "wallet")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("portability", "0001_initial"),
        ("wallet", "0012_import_models_to_intake"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ExportJob")],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
