"""Responses that carry bytes for a browser to show or save, never to run: badge images,
credential originals, QR codes, exports and bundles. Every such response is built here, and
`INERT_CSP` is the one policy they carry.

Each one gets the same Content-Security-Policy (nothing may load or run, and the document
is sandboxed: no scripts, no forms, an opaque origin), `X-Content-Type-Options: nosniff`, and
a `Content-Disposition` that keeps active formats from opening as a document of this origin:

- a PNG is served inline: a browser can only draw it;
- an SVG is served as an attachment: an `<img>` still draws it, but opened on its own it is
  saved, not rendered (an SVG is a document that could hold script);
- everything else (an original, which may be HTML or SVG under any name, an export) is an
  attachment, as `application/octet-stream` unless the caller built it.

An image is served only with one of the two types the sanitiser produces, and only when its
bytes start as that type does: a row written by an older version, or by any path that missed
the sanitiser, is refused rather than served.
"""

from __future__ import annotations

import logging
import re

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from wallet.images import PNG_MEDIA_TYPE, PNG_SIGNATURE, SVG_MEDIA_TYPE
from wallet.models import Credential

logger = logging.getLogger(__name__)

# Inline styles and data: images are what a sanitised SVG may still use; nothing else loads,
# and `sandbox` (with no allow-*) stops scripts, forms, popups and same-origin access.
INERT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox"
OCTET_STREAM = "application/octet-stream"
NO_STORE = "private, no-store"
_EXTENSIONS = {PNG_MEDIA_TYPE: "png", SVG_MEDIA_TYPE: "svg"}
_SVG_START = re.compile(rb"\s*<(\?xml\s|svg[\s>])")
# What this wallet offers as a download; any other type is sent as plain bytes.
_DOWNLOAD_TYPES = frozenset(
    {OCTET_STREAM, "application/zip", "application/json", "application/pdf", PNG_MEDIA_TYPE}
)


def image_response(
    *, content: bytes, media_type: str, name: str, cache: str = NO_STORE, download: bool = False
) -> HttpResponse:
    """A sanitised image (`name` without extension); anything else answers 404."""
    if not is_safe_image(content, media_type):
        logger.warning("refused to serve an image stored as %r", media_type[:100])
        return _inert(
            HttpResponse(
                "This image cannot be shown.", status=404, content_type="text/plain; charset=utf-8"
            ),
            cache=NO_STORE,
        )
    response = HttpResponse(content, content_type=media_type)
    inline = media_type == PNG_MEDIA_TYPE and not download
    filename = f"{name}.{_EXTENSIONS[media_type]}"
    response["Content-Disposition"] = _disposition(attachment=not inline, filename=filename)
    return _inert(response, cache=cache)


def download_response(
    *, content: bytes, filename: str, media_type: str = OCTET_STREAM, cache: str = NO_STORE
) -> HttpResponse:
    """A file to save, never to render: an original exactly as received, an export."""
    if media_type not in _DOWNLOAD_TYPES:
        media_type = OCTET_STREAM
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = _disposition(attachment=True, filename=filename)
    return _inert(response, cache=cache)


def original_response(*, credential: Credential, stem: str) -> HttpResponse:
    """A credential's original exactly as received, to save as `stem` with the extension of
    the container it arrived in (the record page, the API and the employer's page alike)."""
    return download_response(
        content=bytes(credential.original), filename=f"{stem}.{credential.file_extension}"
    )


def _disposition(*, attachment: bool, filename: str) -> str:
    # Django gives None only for an inline response with no filename: never one of ours, and
    # were it so, a download is the safe answer.
    return content_disposition_header(attachment, filename) or "attachment"


def is_safe_image(content: bytes, media_type: str) -> bool:
    """Whether the bytes are of a type the sanitiser produces, and start as that type does."""
    if media_type == PNG_MEDIA_TYPE:
        return content.startswith(PNG_SIGNATURE)
    if media_type == SVG_MEDIA_TYPE:
        return _SVG_START.match(content) is not None
    return False


def _inert(response: HttpResponse, *, cache: str) -> HttpResponse:
    response["Content-Security-Policy"] = INERT_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response
