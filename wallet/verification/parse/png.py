"""Baked PNG badges: a chunk walker that never decodes pixels, extraction and baking.

PNG layout: 8-byte signature, then chunks of `length(4) | type(4) | data | crc(4)`, the CRC
covering type and data. Badges live in a text chunk (OB 3.0 §5.3.1, OB 2.0 baking spec):
iTXt = keyword\\0 compression_flag compression_method language\\0 translated_keyword\\0 text.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ..errors import MalformedInput
from ..limits import Limits
from ..messages import N_, Message
from .model import ParsedInput
from .text import parse_text_payload

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Keyword -> baking, in the order an image carrying several is read.
BADGE_KEYWORDS = {"openbadgecredential": "ob3", "clrcredential": "clr", "openbadges": "ob2"}
TEXT_CHUNKS = (b"iTXt", b"tEXt", b"zTXt")
MAX_CHUNK_LENGTH = 2**31 - 1


@dataclass(frozen=True)
class Chunk:
    type: bytes
    # Views into the input, not copies: image data is walked, never duplicated.
    data: memoryview
    raw: memoryview  # the whole chunk, length to CRC, for copying unchanged


def walk_chunks(data: bytes, *, limits: Limits) -> Iterator[Chunk]:
    """Yield every chunk up to IEND, checking signature, bounds, CRCs, count and image size."""
    if not data.startswith(PNG_SIGNATURE):
        raise MalformedInput(N_("The file is not a PNG image."), code="parse.png_invalid")
    view = memoryview(data)
    offset, count = len(PNG_SIGNATURE), 0
    while True:
        chunk, offset = _read_chunk(view, offset)
        count += 1
        if count > limits.max_png_chunks:
            raise MalformedInput(
                Message(
                    "The PNG has more than %(max_png_chunks)s chunks.",
                    max_png_chunks=limits.max_png_chunks,
                ),
                code="parse.png_too_large",
            )
        if count == 1:
            _check_header(chunk, limits=limits)
        yield chunk
        if chunk.type == b"IEND":
            return


def _read_chunk(view: memoryview, offset: int) -> tuple[Chunk, int]:
    if offset + 8 > len(view):
        raise MalformedInput(
            N_("The PNG is truncated: it ends before its last chunk (IEND)."),
            code="parse.png_truncated",
        )
    (length,) = struct.unpack_from(">I", view, offset)
    chunk_type = bytes(view[offset + 4 : offset + 8])
    if length > MAX_CHUNK_LENGTH:
        raise MalformedInput(
            N_("The PNG has a chunk with an impossible length."), code="parse.png_invalid"
        )
    if not chunk_type.isalpha():
        raise MalformedInput(
            N_("The PNG has a chunk with an invalid type."), code="parse.png_invalid"
        )
    end = offset + 12 + length
    if end > len(view):
        raise MalformedInput(
            Message("The PNG is truncated inside a %(decode)s chunk.", decode=chunk_type.decode()),
            code="parse.png_truncated",
        )
    body = view[offset + 4 : offset + 8 + length]
    (crc,) = struct.unpack_from(">I", view, offset + 8 + length)
    if zlib.crc32(body) != crc:
        raise MalformedInput(
            Message(
                "The PNG is damaged: the checksum of a %(decode)s chunk is wrong.",
                decode=chunk_type.decode(),
            ),
            code="parse.png_crc",
        )
    chunk = Chunk(type=chunk_type, data=body[4:], raw=view[offset:end])
    return chunk, end


def _check_header(chunk: Chunk, *, limits: Limits) -> None:
    if chunk.type != b"IHDR" or len(chunk.data) != 13:
        raise MalformedInput(
            N_("The PNG does not start with a valid header."), code="parse.png_invalid"
        )
    width, height = struct.unpack_from(">II", chunk.data)
    if not (0 < width <= MAX_CHUNK_LENGTH and 0 < height <= MAX_CHUNK_LENGTH):
        raise MalformedInput(N_("The PNG header gives an invalid size."), code="parse.png_invalid")
    if width * height > limits.max_png_pixels:
        raise MalformedInput(
            Message(
                "The PNG is too large (%(width)sx%(height)s pixels; the limit is "
                "%(max_png_pixels)s pixels).",
                width=width,
                height=height,
                max_png_pixels=limits.max_png_pixels,
            ),
            code="parse.png_too_large",
        )


def parse_png(data: bytes, *, limits: Limits) -> ParsedInput:
    """The credential baked in a PNG; the image itself is never decoded."""
    found: dict[str, list[Chunk]] = {}
    for chunk in walk_chunks(data, limits=limits):
        if chunk.type in TEXT_CHUNKS:
            keyword = _keyword(chunk)
            if keyword in BADGE_KEYWORDS:
                found.setdefault(keyword, []).append(chunk)
    for keyword, baked_as in BADGE_KEYWORDS.items():
        chunks = found.get(keyword, [])
        if len(chunks) > 1:
            # Which one counts would be up to the reader: one could be shown, another verified.
            raise MalformedInput(
                Message(
                    "The PNG carries %(count)s '%(keyword)s' chunks; a badge image has one.",
                    count=len(chunks),
                    keyword=keyword,
                ),
                code="parse.png_duplicate",
            )
        if chunks:
            text = _chunk_text(chunks[0], baked_as=baked_as, limits=limits)
            return parse_text_payload(text, limits=limits, container="png", baked_as=baked_as)
    raise MalformedInput(
        N_(
            "This PNG image does not contain a badge (no openbadgecredential, clrcredential or "
            "openbadges chunk)."
        ),
        code="parse.not_baked",
    )


def _keyword(chunk: Chunk) -> str:
    head = bytes(chunk.data[:80])
    end = head.find(b"\0")
    return head[:end].decode("latin-1") if end > 0 else ""


def _chunk_text(chunk: Chunk, *, baked_as: str, limits: Limits) -> str:
    data = bytes(chunk.data)
    if chunk.type == b"iTXt":
        return _itxt_text(data, baked_as=baked_as, limits=limits)
    if baked_as != "ob2":
        raise MalformedInput(
            Message(
                "An Open Badges 3.0 / CLR image must use an iTXt chunk, not %(decode)s.",
                decode=chunk.type.decode(),
            ),
            code="parse.png_invalid",
        )
    _, _, rest = data.partition(b"\0")
    if chunk.type == b"zTXt":
        rest = _inflate(rest[1:], method=rest[:1], limits=limits)
    return rest.decode("latin-1")


def _itxt_text(data: bytes, *, baked_as: str, limits: Limits) -> str:
    _, _, rest = data.partition(b"\0")
    if len(rest) < 2:
        raise MalformedInput(N_("The PNG's badge chunk is truncated."), code="parse.png_invalid")
    flag, method, rest = rest[0], rest[1], rest[2:]
    _language, sep1, rest = rest.partition(b"\0")
    _translated, sep2, text = rest.partition(b"\0")
    if not (sep1 and sep2) or flag not in (0, 1):
        raise MalformedInput(
            N_("The PNG's badge chunk is not a valid iTXt."), code="parse.png_invalid"
        )
    if flag == 1:
        if baked_as != "ob2":
            raise MalformedInput(
                N_("The badge data in this PNG is compressed; Open Badges 3.0 forbids that."),
                code="parse.png_compressed",
            )
        text = _inflate(text, method=bytes([method]), limits=limits)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedInput(
            N_("The PNG's badge text is not valid UTF-8."), code="parse.encoding"
        ) from exc


def _inflate(data: bytes, *, method: bytes, limits: Limits) -> bytes:
    if method != b"\0":
        raise MalformedInput(
            N_("The PNG uses an unknown compression method."), code="parse.png_invalid"
        )
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(data, limits.max_input_bytes)
    except zlib.error as exc:
        raise MalformedInput(
            N_("The PNG's compressed badge text is damaged."), code="parse.png_invalid"
        ) from exc
    if inflater.unconsumed_tail:
        # A zip bomb would otherwise expand without bound.
        raise MalformedInput(
            N_("The PNG's compressed badge text expands beyond the size limit."),
            code="parse.too_large",
        )
    return text


def bake_png(image: bytes, payload: str, *, keyword: str) -> bytes:
    """Put `payload` in one uncompressed iTXt chunk right after IHDR, replacing any old one.

    `keyword` is "openbadgecredential" (OB 3.0), "clrcredential" (CLR 2.0) or "openbadges"
    (OB 2.0). Text chunks with the same keyword are dropped, so the result never holds two.
    """
    if keyword not in BADGE_KEYWORDS:
        raise ValueError(f"Unknown badge keyword {keyword!r}")
    pieces = [PNG_SIGNATURE]
    for chunk in walk_chunks(image, limits=Limits(max_input_bytes=len(image))):
        if chunk.type in TEXT_CHUNKS and _keyword(chunk) == keyword:
            continue
        pieces.append(chunk.raw)
        if chunk.type == b"IHDR":
            pieces.append(_itxt_chunk(keyword, payload))
    return b"".join(pieces)


def _itxt_chunk(keyword: str, text: str) -> bytes:
    # Uncompressed, no language tag, no translated keyword (OB 3.0 §5.3.1).
    body = keyword.encode("latin-1") + b"\0\0\0\0\0" + text.encode("utf-8")
    return make_chunk(b"iTXt", body)


def make_chunk(chunk_type: bytes, data: bytes) -> bytes:
    """One PNG chunk with its length and CRC."""
    return (
        struct.pack(">I", len(data))
        + chunk_type
        + data
        + struct.pack(">I", zlib.crc32(chunk_type + data))
    )
