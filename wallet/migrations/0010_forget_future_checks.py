"""Check results dated in the future can only have come from an export file edited before
restore took nothing of its verdicts: such a credential was never checked here. Its state is
forgotten ("not checked yet", so the hourly re-check takes it at once, where a future date
had switched that off), those runs become restored history, and every other record date in
the future is brought back to now.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.utils import timezone


def forget_future_checks(apps: Any, schema_editor: Any) -> None:
    now = timezone.now()
    credential = apps.get_model("wallet", "Credential")
    run = apps.get_model("wallet", "VerificationRun")
    version = apps.get_model("wallet", "CredentialVersion")
    credential.objects.filter(checked_at__gt=now).update(
        verdict="", checked_at=None, verified_at=None, recipient_match="not_checked"
    )
    run.objects.filter(checked_at__gt=now).update(checked_at=now, trigger="restored")
    for field in ("verified_at", "created_at", "updated_at", "deleted_at"):
        value = None if field == "verified_at" else now
        credential.objects.filter(**{f"{field}__gt": now}).update(**{field: value})
    version.objects.filter(received_at__gt=now).update(received_at=now)
    for name in ("Tag", "Collection"):
        apps.get_model("wallet", name).objects.filter(created_at__gt=now).update(created_at=now)


class Migration(migrations.Migration):
    dependencies = [("wallet", "0009_sanitise_stored_images")]

    operations = [migrations.RunPython(forget_future_checks, migrations.RunPython.noop)]
