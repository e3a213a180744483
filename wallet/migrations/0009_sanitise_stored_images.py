"""Badge images stored before every door went through the sanitiser (a restore kept the
export's bytes and media type as they were) are sanitised now, or dropped.

A row that is a PNG by type and by its first bytes is inert as served (image/png, nosniff)
and is left as it is; re-encoding every badge would cost minutes on a large instance for
nothing. Every other row (an SVG, or any other type) goes through the sanitiser of this
version; what it refuses is deleted and its credential shows no image. Serving also refuses
any row that is not a safe image (`wallet.responses`), so this only tidies what is stored.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import migrations

logger = logging.getLogger(__name__)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHUNK = 200


def sanitise_stored_images(apps: Any, schema_editor: Any) -> None:
    # The sanitiser itself, not a copy: a badge is kept only as what it would produce today.
    from wallet.images import ORIGINS, ImageRefused, safe_image

    image_model = apps.get_model("wallet", "CredentialImage")
    credential_model = apps.get_model("wallet", "Credential")
    # Ids first, then the bytes a chunk at a time: rows are rewritten while the table is read.
    pks = list(image_model.objects.order_by("pk").values_list("pk", flat=True))
    dropped = []
    for start in range(0, len(pks), _CHUNK):
        chunk = image_model.objects.filter(pk__in=pks[start : start + _CHUNK])
        for pk, media_type, content, origin in chunk.values_list(
            "pk", "media_type", "content", "origin"
        ):
            content = bytes(content)
            if media_type == "image/png" and content.startswith(PNG_SIGNATURE):
                continue
            try:
                safe = safe_image(content, origin="embedded", media_type=media_type)
            except ImageRefused:
                dropped.append(pk)
                continue
            image_model.objects.filter(pk=pk).update(
                content=safe.content,
                media_type=safe.media_type,
                sha256=hashlib.sha256(safe.content).hexdigest(),
                width=safe.width,
                height=safe.height,
                origin=origin if origin in ORIGINS else "embedded",
            )
    if dropped:
        credentials = image_model.objects.filter(pk__in=dropped).values_list(
            "credential_id", flat=True
        )
        credential_model.objects.filter(pk__in=list(credentials)).update(has_image=False)
        image_model.objects.filter(pk__in=dropped).delete()
        logger.warning("removed %d stored badge images that were not safe images", len(dropped))


class Migration(migrations.Migration):
    dependencies = [("wallet", "0008_restored_runs")]

    operations = [migrations.RunPython(sanitise_stored_images, migrations.RunPython.noop)]
