"""A printable PDF of shared credentials: what each says, its verdict and when it was checked,
a QR code that opens the live share page, and each original attached inside the file.

The document is drawn from the record's own fields as plain text: nothing a credential says is
read as markup (a credential's "<img src=...>" would otherwise make the PDF library load a file
or an address), and no image is fetched: the only picture is the QR code, made here. The
originals ride along as PDF embedded files (ISO 32000-1, 7.11.4), so the paper copy carries
its own proof: a verifier can take the attachment out and check it anywhere.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from sharing.qr import qr_png
from wallet.models import Credential
from wallet.wording import verdict_label

PDF_MEDIA_TYPE = "application/pdf"
# Fonts with Latin, Greek, Cyrillic and Arabic letters (Debian's fonts-dejavu-core, which
# Chromium pulls in); the PDF's built-in Helvetica, Latin only, when they are missing.
_FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
_FONT_CANDIDATES = tuple((f"{d}/DejaVuSans.ttf", f"{d}/DejaVuSans-Bold.ttf") for d in _FONT_DIRS)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9_-]+")


def _fonts() -> tuple[str, str]:
    """The regular and bold font names to draw with, registered once."""
    configured = getattr(settings, "SATCHEL_PDF_FONTS", None)
    for regular, bold in ((configured,) if configured else ()) + _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            if "SatchelSans" not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont("SatchelSans", regular))
                pdfmetrics.registerFont(TTFont("SatchelSans-Bold", bold))
            return "SatchelSans", "SatchelSans-Bold"
    return "Helvetica", "Helvetica-Bold"


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=18, leading=23, spaceAfter=4),
        "heading": ParagraphStyle("heading", fontName=bold, fontSize=14, leading=18),
        "body": ParagraphStyle("body", fontName=regular, fontSize=10, leading=14),
        "label": ParagraphStyle(
            "label", fontName=bold, fontSize=9, leading=13, textColor=colors.HexColor("#444444")
        ),
        "small": ParagraphStyle(
            "small", fontName=regular, fontSize=8, leading=11, textColor=colors.HexColor("#444444")
        ),
        "mono": ParagraphStyle(
            "mono", fontName=regular, fontSize=7, leading=9, wordWrap="CJK", splitLongWords=True
        ),
    }


def _text(value: Any, limit: int = 600) -> str:
    """A credential's words as inert text for a Paragraph: escaped, so never markup."""
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return escape(text)


def _date(value: datetime | None) -> str:
    return value.strftime("%-d %B %Y") if value else ""


def _details(credential: Credential, learner: str, styles: dict[str, ParagraphStyle]) -> list[Any]:
    rows = [
        ("Issued by", credential.issuer_name or credential.issuer_id or "Unknown issuer"),
        ("Awarded to", learner),
        ("Issued", _date(credential.issued_at or credential.awarded_at)),
        ("Valid until", _date(credential.valid_until)),
        ("Type", credential.achievement_type),
    ]
    skills = [a.get("name") for a in credential.alignments or [] if a.get("name")]
    if skills:
        rows.append(("Skills", ", ".join(skills)))
    verdict = verdict_label(credential.verdict)
    if credential.checked_at:
        verdict = f"{verdict} (checked {_date(credential.checked_at)})"
    rows.append(("Check", verdict))
    cells = [
        [Paragraph(escape(label), styles["label"]), Paragraph(_text(value), styles["body"])]
        for label, value in rows
        if value
    ]
    table = Table(cells, colWidths=[32 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [table]


def _credential_block(
    credential: Credential, learner: str, styles: dict[str, ParagraphStyle]
) -> list[Any]:
    block: list[Any] = [
        Paragraph(_text(credential.display_title, 300), styles["heading"]),
        Spacer(1, 2 * mm),
        *_details(credential, learner, styles),
    ]
    if credential.description:
        block += [Spacer(1, 2 * mm), Paragraph(_text(credential.description, 1200), styles["body"])]
    block.append(
        Paragraph(
            f"Original attached to this PDF as {escape(attachment_name(credential))}.",
            styles["small"],
        )
    )
    return [KeepTogether(block), Spacer(1, 8 * mm)]


def _qr_block(url: str, styles: dict[str, ParagraphStyle]) -> list[Any]:
    image = Image(io.BytesIO(qr_png(url)), width=38 * mm, height=38 * mm)
    words = [
        Paragraph("Check it live", styles["label"]),
        Paragraph(
            "Scan the code, or open the address below, to see these credentials checked "
            "again today on the learner's share page.",
            styles["body"],
        ),
        Spacer(1, 2 * mm),
        Paragraph(escape(url), styles["mono"]),
    ]
    table = Table([[image, words]], colWidths=[42 * mm, None], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return [table, Spacer(1, 8 * mm)]


def attachment_name(credential: Credential) -> str:
    """The attached original's file name: the one it arrived with, made safe, else its id."""
    stem, dot, ext = (credential.filename or "").rpartition(".")
    stem = _SAFE_NAME.sub("-", stem).strip("-")[:60]
    ext = _SAFE_NAME.sub("", ext)[:8]
    if stem and dot and ext:
        return f"{credential.pk}-{stem}.{ext}"
    return f"credential-{credential.pk}.{credential.file_extension}"


def credentials_pdf(
    *, credentials: Sequence[Any], learner: str, url: str, title: str, now: datetime
) -> bytes:
    """The PDF: a heading, the QR code for `url`, one block per credential, the originals
    attached. `learner` is the name the learner chose to show ("" for none)."""
    styles = _styles()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=learner or "Satchel",
        creator="Satchel",
        invariant=True,
    )
    story: list[Any] = [
        Paragraph(_text(title, 200), styles["title"]),
        Paragraph(
            escape(f"Made on {_date(now)} from the learner's Satchel record."), styles["small"]
        ),
        Spacer(1, 6 * mm),
        *_qr_block(url, styles),
    ]
    for credential in credentials:
        story += _credential_block(credential, learner, styles)
    document.build(story)
    return _with_originals(buffer.getvalue(), credentials)


def _with_originals(pdf: bytes, credentials: Sequence[Any]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for credential in credentials:
        writer.add_attachment(attachment_name(credential), bytes(credential.original))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
