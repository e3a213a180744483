# ImportBatch and ImportArchive now belong to intake (intake 0001, issue 11). Their tables
# and rows stay; wallet forgets the models, and what names them by app follows: the content
# types (so permissions and admin history stay with them) and the audit rows' target type.

from django.db import migrations

MOVED = ("importbatch", "importarchive")


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("wallet", "AuditEvent")
    for model in MOVED:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
        AuditEvent.objects.filter(target_type=f"{old}.{model}").update(target_type=f"{new}.{model}")


def forwards(apps, schema_editor):
    _relabel(apps, "wallet", "intake")


def backwards(apps, schema_editor):
    _relabel(apps, "intake", "wallet")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("intake", "0001_initial"),
        ("wallet", "0011_job_liveness"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="ImportArchive"),
                migrations.DeleteModel(name="ImportBatch"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
