"""Baked SVG badges: safe XML reading, extraction and baking.

The XML goes through defusedxml with entity declarations and external references refused.
A DOCTYPE that only names the public SVG DTD is allowed (1EdTech's own OB 3.0 samples and
most drawing tools write one) but never fetched; a DOCTYPE with an internal subset is
refused whole, since its declarations can define entities or default attribute values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .. import budget
from ..errors import MalformedInput
from ..limits import Limits
from ..messages import N_, Message
from .model import ParsedInput
from .text import parse_text_payload

SVG_NAMESPACE = "http://www.w3.org/2000/svg"


@dataclass(frozen=True)
class Baking:
    kind: str
    namespace: str
    element: str
    prefix: str

    @property
    def tag(self) -> str:
        return f"{{{self.namespace}}}{self.element}"


# In the order an image carrying several is read (validator SvgParser QNames).
BAKINGS = (
    Baking("ob3", "https://purl.imsglobal.org/ob/v3p0", "credential", "openbadges"),
    Baking("clr", "https://purl.imsglobal.org/clr/v2p0", "credential", "clr"),
    Baking("ob2", "http://openbadges.org", "assertion", "openbadges"),
)
_BAKING_BY_TAG = {baking.tag: baking for baking in BAKINGS}
_BAKING_BY_KIND = {baking.kind: baking for baking in BAKINGS}

_ENCODING_DECLARATION = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class _Found:
    baking: Baking
    start: int
    verify: str | None
    text: list[str] = field(default_factory=list)
    end: int = -1  # offset of the end tag, or -1 while open


class _Collector:
    """ElementTree parser target that keeps only what baking needs; builds no tree."""

    def __init__(self) -> None:
        self.expat: Any = None
        self.depth = 0
        self.root_tag: str | None = None
        self.root_start = -1
        self.root_namespaces: dict[str, str] = {}
        self.found: list[_Found] = []
        # Open badge elements; None for an element nested inside one (not badge data).
        self._open: list[_Found | None] = []

    def start_ns(self, prefix: str, uri: str) -> None:
        if self.root_tag is None:
            self.root_namespaces[prefix] = uri

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        budget.tick()
        if self.depth == 0:
            self.root_tag, self.root_start = tag, self.expat.CurrentByteIndex
        self.depth += 1
        baking = _BAKING_BY_TAG.get(tag)
        if baking:
            item = _Found(baking, self.expat.CurrentByteIndex, attrib.get("verify"))
            self.found.append(item)
            self._open.append(item)
        elif self._open:
            self._open.append(None)

    def end(self, tag: str) -> None:
        self.depth -= 1
        # Well-formedness guarantees that while a badge element is open, every end tag
        # closes something opened after it.
        if self._open and (item := self._open.pop()) is not None:
            item.end = self.expat.CurrentByteIndex

    def data(self, text: str) -> None:
        if self._open and (item := self._open[-1]) is not None:
            item.text.append(text)

    def close(self) -> None:
        return None


def _refuse_internal_subset(
    name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
) -> None:
    if has_internal_subset:
        raise MalformedInput(
            N_("The SVG declares its own DTD (entities or defaults); such SVGs are refused."),
            code="parse.svg_dtd",
        )


def _scan_svg(data: bytes, *, limits: Limits) -> _Collector:
    """Parse the whole SVG safely and return where its badge elements are."""
    if len(data) > limits.max_svg_bytes:
        raise MalformedInput(
            Message(
                "The SVG is too large (%(count)s bytes; the limit is %(max_svg_bytes)s).",
                count=len(data),
                max_svg_bytes=limits.max_svg_bytes,
            ),
            code="parse.too_large",
        )
    collector = _Collector()
    parser = DefusedXMLParser(
        target=collector, forbid_dtd=False, forbid_entities=True, forbid_external=True
    )
    collector.expat = parser.parser
    parser.parser.StartDoctypeDeclHandler = _refuse_internal_subset
    try:
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        raise MalformedInput(
            N_("The SVG declares entities or external references; such SVGs are refused."),
            code="parse.svg_dtd",
            detail=type(exc).__name__,
        ) from exc
    except (ParseError, ValueError, LookupError) as exc:
        raise MalformedInput(
            Message("The SVG is not well-formed XML: %(exc)s", exc=exc), code="parse.svg_invalid"
        ) from exc
    if collector.root_tag not in (f"{{{SVG_NAMESPACE}}}svg", "svg"):
        raise MalformedInput(N_("The XML file is not an SVG image."), code="parse.svg_invalid")
    return collector


def parse_svg(data: bytes, *, limits: Limits) -> ParsedInput:
    """The credential baked in an SVG: OB 3.0 or CLR `credential`, or OB 2.0 `assertion`."""
    collector = _scan_svg(data, limits=limits)
    for baking in BAKINGS:
        items = [item for item in collector.found if item.baking is baking]
        if len(items) > 1:
            raise MalformedInput(
                Message(
                    "The SVG carries %(count)s <%(element)s> badge elements; a badge image "
                    "has one.",
                    count=len(items),
                    element=baking.element,
                ),
                code="parse.svg_duplicate",
            )
        if items:
            return _element_payload(items[0], limits=limits)
    raise MalformedInput(
        N_(
            "This SVG image does not contain a badge (no openbadges:credential or "
            "openbadges:assertion element)."
        ),
        code="parse.not_baked",
    )


def _element_payload(item: _Found, *, limits: Limits) -> ParsedInput:
    kind = item.baking.kind
    verify = (item.verify or "").strip()
    body = "".join(item.text).strip()
    from_verify = _payload(verify, kind, limits) if verify else None
    from_body = _payload(body, kind, limits) if body else None
    if from_verify and from_body:
        # OB 2.0 hosted baking: the link in `verify`, a copy of the assertion in the body.
        if from_verify.url and from_body.document is not None:
            return ParsedInput(
                "svg", document=from_body.document, url=from_verify.url, baked_as=kind
            )
        raise MalformedInput(
            N_("The SVG badge element carries two different credentials (attribute and body)."),
            code="parse.svg_ambiguous",
        )
    found = from_verify or from_body
    if found is None:
        raise MalformedInput(N_("The SVG badge element is empty."), code="parse.baked_empty")
    return found


def _payload(text: str, kind: str, limits: Limits) -> ParsedInput:
    return parse_text_payload(text, limits=limits, container="svg", baked_as=kind)


def bake_svg(svg: bytes, payload: str, *, kind: str, limits: Limits | None = None) -> bytes:
    """Insert the badge element as the first child of `<svg>`, replacing any of the same kind.

    kind "ob3" | "clr" | "ob2". A compact JWS (or, for OB 2.0, a hosted-assertion link) goes
    in the `verify` attribute of an empty element; JSON goes in a CDATA body. The namespace
    is declared on `<svg>`, or on the element itself when the prefix is taken there.
    """
    baking = _BAKING_BY_KIND.get(kind)
    if baking is None:
        raise ValueError(f"Unknown baking kind {kind!r}")
    if _XML_ILLEGAL.search(payload):
        raise ValueError("The payload contains characters XML cannot carry")
    if not payload.isascii() and _declared_encoding(svg) not in ("utf-8", "utf8"):
        # Inserted bytes are UTF-8; in a file declared otherwise they would be misread.
        raise ValueError("Only a UTF-8 SVG can carry a non-ASCII payload")
    scan = _scan_svg(svg, limits=limits or Limits(max_svg_bytes=len(svg)))
    root_open_end = _tag_end(svg, scan.root_start)
    bound = scan.root_namespaces.get(baking.prefix)
    declare_on_root = bound is None
    element = _element(baking, payload.strip(), local_ns=bound not in (None, baking.namespace))
    edits: list[tuple[int, int, bytes]] = []
    for item in scan.found:
        if item.baking is baking:
            edits.append((item.start, _element_end(svg, item), b""))
    self_closing = svg[root_open_end - 2 : root_open_end] == b"/>"
    head_end = root_open_end - 2 if self_closing else root_open_end - 1
    declaration = (
        f' xmlns:{baking.prefix}="{baking.namespace}"'.encode() if declare_on_root else b""
    )
    closing = (
        b">" + element + b"</" + _root_qname(svg, scan.root_start) + b">" if self_closing else b""
    )
    edits.append((head_end, head_end, declaration))
    if self_closing:
        edits.append((head_end, root_open_end, closing))
    else:
        edits.append((root_open_end, root_open_end, element))
    return _apply(svg, edits)


def _declared_encoding(svg: bytes) -> str:
    match = _ENCODING_DECLARATION.match(svg.removeprefix(b"\xef\xbb\xbf"))
    return match.group(1).decode("ascii").lower() if match else "utf-8"


def _element(baking: Baking, payload: str, *, local_ns: bool) -> bytes:
    qname = f"{baking.prefix}:{baking.element}"
    xmlns = f' xmlns:{baking.prefix}="{baking.namespace}"' if local_ns else ""
    if payload.startswith("{"):
        # "]]>" would end the CDATA section early: split it across two sections.
        body = payload.replace("]]>", "]]]]><![CDATA[>")
        return f"<{qname}{xmlns}><![CDATA[{body}]]></{qname}>".encode()
    if baking.kind != "ob2" and payload[:4].lower() == "http":
        raise ValueError("Open Badges 3.0 and CLR images carry a credential, not a link")
    return f"<{qname}{xmlns} verify={_quote_attribute(payload)}/>".encode()


def _quote_attribute(value: str) -> str:
    for raw, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        value = value.replace(raw, escaped)
    for raw, escaped in (("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;")):
        value = value.replace(raw, escaped)
    return f'"{value}"'


def _tag_end(data: bytes, start: int) -> int:
    """Offset just past the `>` closing the tag that opens at `start`, skipping quoted values."""
    index = start
    while True:
        gt = data.find(b">", index)
        quote = min(
            (q for q in (data.find(b'"', index), data.find(b"'", index)) if q != -1), default=-1
        )
        if gt == -1:
            raise MalformedInput(N_("The SVG has an unterminated tag."), code="parse.svg_invalid")
        if quote == -1 or gt < quote:
            return gt + 1
        index = data.find(data[quote : quote + 1], quote + 1) + 1
        if index == 0:
            raise MalformedInput(
                N_("The SVG has an unterminated attribute."), code="parse.svg_invalid"
            )


def _element_end(data: bytes, item: _Found) -> int:
    open_end = _tag_end(data, item.start)
    if data[open_end - 2 : open_end] == b"/>":
        return open_end
    return _tag_end(data, item.end)


def _root_qname(data: bytes, start: int) -> bytes:
    match = re.match(rb"<([^\s/>]+)", data[start:])
    return match.group(1) if match else b"svg"


def _apply(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    pieces, cursor = [], 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        pieces += [data[cursor:start], replacement]
        cursor = max(cursor, end)
    pieces.append(data[cursor:])
    return b"".join(pieces)
