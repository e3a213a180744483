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

import arabic_reshaper  # type: ignore[import-untyped]  # no types shipped
from bidi import get_display  # type: ignore[import-untyped]  # no types shipped
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
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
# Letters of right-to-left scripts (Arabic and its presentation forms, Hebrew, Syriac,
# Thaana): text holding any is shaped and reordered before it is drawn.
_RTL_LETTERS = re.compile(r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
# The page's width between the margins.
_WIDTH = A4[0] - 36 * mm


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


def _plain(value: Any, limit: int = 600) -> str:
    """A credential's words on one line, cut at `limit` characters."""
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _text(value: Any, limit: int = 600) -> str:
    """A credential's words as inert text for a Paragraph: escaped, so never markup; Arabic
    letters in them joined and their run put in drawing order (one line's worth)."""
    return escape(_visual(_plain(value, limit), rtl=False))


def _visual(text: str, *, rtl: bool) -> str:
    """`text` as it is drawn on a page that knows nothing of scripts: Arabic letters in
    their joined forms (arabic-reshaper), each run in the order of the eye (the Unicode
    bidirectional algorithm, python-bidi), right to left at the base when `rtl`."""
    if not rtl and not _RTL_LETTERS.search(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text), base_dir="R" if rtl else "L"))


def _rtl_lines(text: str, font: str, size: float, width: float) -> list[str]:
    """Break shaped `text` into lines that fit `width` (in reading order, so the first line
    holds the first words), then put each in drawing order."""
    shaped = arabic_reshaper.reshape(text)
    lines: list[str] = []
    line = ""
    for word in shaped.split(" "):
        while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
            # A word wider than the line (an address, a hash): cut where it fills the line.
            cut = len(word) - 1
            while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                cut -= 1
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}" if line else word
        if line and pdfmetrics.stringWidth(candidate, font, size) > width:
            lines.append(line)
            candidate = word
        line = candidate
    if line:
        lines.append(line)
    return [str(get_display(each, base_dir="R")) for each in lines]


class _RightToLeft(Flowable):
    """A paragraph of a right-to-left page: plain text (never markup), lines broken in
    reading order, each shaped, reordered and set against the right edge."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.text, self.style = text, style
        self.lines: list[str] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        style = self.style
        self.width = available_width
        self.lines = _rtl_lines(self.text, style.fontName, style.fontSize, available_width)
        self.height = len(self.lines) * style.leading
        return self.width, self.height

    def getSpaceAfter(self) -> float:  # ReportLab's name for it
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        style, canvas = self.style, self.canv
        canvas.setFont(style.fontName, style.fontSize)
        canvas.setFillColor(style.textColor)
        baseline = self.height - style.fontSize
        for line in self.lines:
            canvas.drawRightString(self.width, baseline, line)
            baseline -= style.leading


def _para(value: Any, style: ParagraphStyle, *, rtl: bool, limit: int = 600) -> Flowable:
    """A paragraph of the page's direction holding `value` as plain text."""
    if rtl:
        return _RightToLeft(_plain(value, limit), style)
    return Paragraph(_text(value, limit), style)


def _date(value: datetime | None) -> str:
    """A date as the reader's language writes it."""
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _row(cells: list[Any], rtl: bool) -> list[Any]:
    """A table row in reading order: the first cell on the right on a right-to-left page."""
    return cells[::-1] if rtl else cells


def _details(
    credential: Credential, learner: str, styles: dict[str, ParagraphStyle], rtl: bool
) -> list[Any]:
    rows = [
        (_("Issued by"), credential.issuer_name or credential.issuer_id or _("Unknown issuer")),
        (_("Awarded to"), learner),
        (_("Issued"), _date(credential.issued_at or credential.awarded_at)),
        (_("Valid until"), _date(credential.valid_until)),
        (_("Type"), credential.achievement_type),
    ]
    skills = [a.get("name") for a in credential.alignments or [] if a.get("name")]
    if skills:
        rows.append((_("Skills"), ", ".join(skills)))
    verdict = _(verdict_label(credential.verdict))
    if credential.checked_at:
        verdict = _("%(verdict)s (checked %(date)s)") % {
            "verdict": verdict,
            "date": _date(credential.checked_at),
        }
    rows.append((_("Check"), verdict))
    cells = [
        _row([_para(label, styles["label"], rtl=rtl), _para(value, styles["body"], rtl=rtl)], rtl)
        for label, value in rows
        if value
    ]
    table = Table(
        cells,
        colWidths=_row([32 * mm, _WIDTH - 32 * mm], rtl),
        hAlign="RIGHT" if rtl else "LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0 if rtl else 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 6 if rtl else 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return [table]


def _credential_block(
    credential: Credential, learner: str, styles: dict[str, ParagraphStyle], rtl: bool
) -> list[Any]:
    block: list[Any] = [
        _para(credential.display_title, styles["heading"], rtl=rtl, limit=300),
        Spacer(1, 2 * mm),
        *_details(credential, learner, styles, rtl),
    ]
    if credential.description:
        block += [
            Spacer(1, 2 * mm),
            _para(credential.description, styles["body"], rtl=rtl, limit=1200),
        ]
    block.append(
        _para(
            _("Original attached to this PDF as %(name)s.") % {"name": attachment_name(credential)},
            styles["small"],
            rtl=rtl,
        )
    )
    return [KeepTogether(block), Spacer(1, 8 * mm)]


def _qr_block(url: str, styles: dict[str, ParagraphStyle], rtl: bool) -> list[Any]:
    image = Image(io.BytesIO(qr_png(url)), width=38 * mm, height=38 * mm)
    address = ParagraphStyle("address", parent=styles["mono"], alignment=TA_RIGHT if rtl else 0)
    words = [
        _para(_("Check it live"), styles["label"], rtl=rtl),
        _para(
            _(
                "Scan the code, or open the address below, to see these credentials checked "
                "again today on the learner's share page."
            ),
            styles["body"],
            rtl=rtl,
        ),
        Spacer(1, 2 * mm),
        Paragraph(escape(url), address),
    ]
    table = Table(
        [_row([image, words], rtl)],
        colWidths=_row([42 * mm, _WIDTH - 42 * mm], rtl),
        hAlign="RIGHT" if rtl else "LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
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
    attached. `learner` is the name the learner chose to show ("" for none). Written in the
    active language; a right-to-left one (Arabic) sets the page from the right."""
    styles = _styles()
    rtl = translation.get_language_bidi()
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
        lang=translation.get_language() or settings.LANGUAGE_CODE,
        invariant=True,
    )
    story: list[Any] = [
        _para(title, styles["title"], rtl=rtl, limit=200),
        _para(
            _("Made on %(date)s from the learner's Satchel record.") % {"date": _date(now)},
            styles["small"],
            rtl=rtl,
        ),
        Spacer(1, 6 * mm),
        *_qr_block(url, styles, rtl),
    ]
    for credential in credentials:
        story += _credential_block(credential, learner, styles, rtl)
    document.build(story)
    return _with_originals(buffer.getvalue(), credentials)


def _with_originals(pdf: bytes, credentials: Sequence[Any]) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for credential in credentials:
        writer.add_attachment(attachment_name(credential), bytes(credential.original))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
