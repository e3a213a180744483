"""Badge images, kept as sanitised copies: nothing an issuer wrote is served as active content.

Raster images (a baked PNG itself, a data: URI, or a URL fetched through the guarded fetcher
at import, best effort) are decoded by Pillow under pixel and byte caps and re-encoded as a
plain PNG without metadata. SVG is parsed with defusedxml and rebuilt from an allow-list of
elements and attributes: no scripts, event handlers, foreignObject, styles or external
references. Every stored image is a `SafeImage` (`image_row`), whatever door it came in by,
and is served only through `wallet.responses`.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext
from PIL import Image, UnidentifiedImageError

from wallet.verification.errors import MalformedInput
from wallet.verification.fetch import Fetcher, FetchError
from wallet.verification.limits import Limits
from wallet.verification.parse.png import TEXT_CHUNKS, walk_chunks

MAX_SOURCE_BYTES = 5 * 1024 * 1024
MAX_SOURCE_PIXELS = 4096 * 4096
MAX_OUTPUT_SIDE = 1024
# Far deeper than any drawing needs; the rebuild recurses, and must refuse before Python does.
MAX_SVG_DEPTH = 100
SVG_MEDIA_TYPE = "image/svg+xml"
PNG_MEDIA_TYPE = "image/png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ORIGINS = frozenset({"baked", "embedded", "fetched"})

_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", _XLINK_NS)

_SVG_ELEMENTS = frozenset(
    "svg g defs title desc symbol use path rect circle ellipse line polyline polygon text tspan "
    "textPath linearGradient radialGradient stop clipPath mask pattern image marker filter "
    "feGaussianBlur feOffset feBlend feColorMatrix feFlood feComposite feMerge feMergeNode "
    "feDropShadow".split()
)
_SVG_ATTRIBUTES = frozenset(
    "id class width height x y x1 y1 x2 y2 cx cy r rx ry d points viewBox preserveAspectRatio "
    "transform fill fill-opacity fill-rule stroke stroke-width stroke-linecap stroke-linejoin "
    "stroke-dasharray stroke-dashoffset stroke-miterlimit stroke-opacity opacity "
    "font-family font-size font-weight font-style text-anchor dominant-baseline letter-spacing "
    "offset stop-color stop-opacity gradientUnits gradientTransform spreadMethod fx fy "
    "clip-path clip-rule clipPathUnits mask maskUnits maskContentUnits patternUnits "
    "patternContentUnits patternTransform marker-start marker-mid marker-end markerWidth "
    "markerHeight refX refY orient visibility display dx dy rotate textLength lengthAdjust "
    "filter filterUnits primitiveUnits stdDeviation in in2 result mode values type operator "
    "k1 k2 k3 k4 flood-color flood-opacity version style href".split()
)
_LOCAL_URL = re.compile(r"url\(\s*['\"]?#[\w.-]+['\"]?\s*\)")
_RASTER_DATA_URI = re.compile(r"^data:image/(png|jpeg|gif|webp);base64,", re.IGNORECASE)


class ImageRefused(Exception):
    """The image is not one we will keep (too big, not an image, unsafe)."""


@dataclass(frozen=True)
class SafeImage:
    content: bytes
    media_type: str
    width: int | None
    height: int | None
    origin: str  # baked | embedded | fetched

    @functools.cached_property
    def sha256(self) -> str:
        # Cached: one sanitised image may be stored for many credentials of an archive.
        return hashlib.sha256(self.content).hexdigest()


def sanitise_raster(data: bytes) -> tuple[bytes, int, int]:
    """Decode a raster image under caps and re-encode it as a metadata-free PNG."""
    if len(data) > MAX_SOURCE_BYTES:
        raise ImageRefused(gettext("The image is larger than the wallet keeps."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; refuse there too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width * height > min(MAX_SOURCE_PIXELS, Image.MAX_IMAGE_PIXELS or 1 << 62):
                    raise ImageRefused(gettext("The image has more pixels than the wallet keeps."))
                image.seek(0)
                frame = image.convert("RGBA")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRefused(gettext("The image looks like a decompression bomb.")) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRefused(gettext("The file is not an image the wallet can read.")) from exc
    frame.thumbnail((MAX_OUTPUT_SIDE, MAX_OUTPUT_SIDE))
    out = io.BytesIO()
    # No `optimize`: it costs about five times the encoding for roughly 15% fewer bytes.
    frame.save(out, format="PNG")
    return out.getvalue(), frame.width, frame.height


def png_pixels_key(data: bytes) -> str | None:
    """A digest of everything in a PNG but its text chunks, or None if it is no valid PNG.

    Two PNGs with the same key decode to the same pixels, so they sanitise to the same
    image: an issuer bakes each recipient's assertion (a text chunk) into one badge picture.
    """
    digest = hashlib.sha256()
    try:
        for chunk in walk_chunks(data, limits=Limits()):
            if chunk.type not in TEXT_CHUNKS:
                digest.update(chunk.raw)
    except MalformedInput:
        return None
    return digest.hexdigest()


def sanitise_svg(data: bytes) -> bytes:
    """Rebuild an SVG from allow-listed elements and attributes only."""
    if len(data) > MAX_SOURCE_BYTES:
        raise ImageRefused(gettext("The image is larger than the wallet keeps."))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except Exception as exc:  # defusedxml raises several unrelated types on hostile XML
        raise ImageRefused(gettext("The SVG could not be read safely.")) from exc
    if _local_name(root.tag) != "svg" or _namespace(root.tag) not in ("", _SVG_NS):
        raise ImageRefused(gettext("The file is not an SVG image."))
    clean = _clean_element(root, depth=0)
    if clean is None:
        raise ImageRefused(gettext("The SVG could not be read safely."))
    return ET.tostring(clean, encoding="utf-8", xml_declaration=True)


def _clean_element(element: ET.Element, *, depth: int) -> ET.Element | None:
    if depth > MAX_SVG_DEPTH:
        raise ImageRefused(gettext("The SVG is nested too deeply to be read safely."))
    name = _local_name(element.tag)
    if _namespace(element.tag) not in ("", _SVG_NS) or name not in _SVG_ELEMENTS:
        return None
    clean = ET.Element(f"{{{_SVG_NS}}}{name}")
    for key, value in element.attrib.items():
        attribute = _clean_attribute(name, key, value)
        if attribute is not None:
            clean.set(*attribute)
    clean.text = element.text
    for child in element:
        kept = _clean_element(child, depth=depth + 1)
        if kept is not None:
            clean.append(kept)
        # The text after a dropped element (its tail) is kept only with kept elements.
        if kept is not None:
            kept.tail = child.tail
    return clean


def _clean_attribute(element: str, key: str, value: str) -> tuple[str, str] | None:
    namespace, name = _namespace(key), _local_name(key)
    if namespace not in ("", _XLINK_NS) or name not in _SVG_ATTRIBUTES:
        return None
    if name == "href":
        local = value.startswith("#")
        embedded = element == "image" and _RASTER_DATA_URI.match(value)
        if not (local or embedded):
            return None
        return (f"{{{_XLINK_NS}}}href" if namespace else "href", value)
    if "url(" in value.replace(" ", "").lower():
        without_local = _LOCAL_URL.sub("", value)
        if "url(" in without_local.lower() or "@import" in value.lower():
            return None
    if "javascript:" in value.lower() or "expression(" in value.lower():
        return None
    if "\\" in value:  # a CSS escape can spell url( or anything else the checks above look for
        return None
    return (name, value)


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _is_svg(data: bytes, media_type: str = "") -> bool:
    head = data[:1024].lstrip().lower()
    return "svg" in media_type.lower() or head.startswith(b"<svg") or b"<svg" in head


def safe_image(data: bytes, *, origin: str, media_type: str = "") -> SafeImage:
    """Sanitise image bytes of any supported kind (raises ImageRefused)."""
    if _is_svg(data, media_type):
        return SafeImage(sanitise_svg(data), SVG_MEDIA_TYPE, None, None, origin)
    content, width, height = sanitise_raster(data)
    return SafeImage(content, PNG_MEDIA_TYPE, width, height, origin)


def decode_data_uri(uri: str) -> tuple[bytes, str]:
    """data:[<media type>][;base64],<data> -> (bytes, media type)."""
    header, sep, payload = uri[len("data:") :].partition(",")
    if not sep:
        raise ImageRefused(gettext("The embedded image is not a valid data: URI."))
    media_type = header.split(";")[0]
    if len(payload) > MAX_SOURCE_BYTES * 2:
        raise ImageRefused(gettext("The image is larger than the wallet keeps."))
    try:
        data = base64.b64decode(payload, validate=False) if ";base64" in header else None
    except ValueError as exc:
        raise ImageRefused(gettext("The embedded image is not valid base64.")) from exc
    return (data if data is not None else unquote_to_bytes(payload)), media_type


def find_image(
    *, original: bytes, container: str, image_ref: str, fetcher: Fetcher | None
) -> SafeImage | None:
    """The credential's image, sanitised; None when there is none or it cannot be used.

    A baked badge is its own image. Otherwise the credential's image reference is used: a
    data: URI directly, a URL through the (guarded) fetcher. Failures are not errors: a
    credential without a picture is still a credential.
    """
    try:
        if container in ("png", "svg"):
            return safe_image(original, origin="baked", media_type=f"image/{container}")
        if image_ref.startswith("data:"):
            data, media_type = decode_data_uri(image_ref)
            return safe_image(data, origin="embedded", media_type=media_type)
        if image_ref.startswith(("https://", "http://")) and fetcher is not None:
            result = fetcher.fetch(image_ref, accept="image/png, image/svg+xml, image/*")
            if not result.ok:
                return None
            return safe_image(result.body, origin="fetched", media_type=result.content_type)
    except (ImageRefused, FetchError):
        return None
    return None


def image_row(credential_id: int, image: SafeImage) -> dict[str, Any]:
    """The `CredentialImage` columns for a sanitised image: the only way one is stored."""
    return {
        "credential_id": credential_id,
        "content": image.content,
        "media_type": image.media_type,
        "sha256": image.sha256,
        "width": image.width,
        "height": image.height,
        "origin": image.origin,
    }


class ImageMemo:
    """`find_image` for many credentials at once: badges of one archive share their images
    (every copy of a badge, an issuer's logo, one picture baked for many recipients), so an
    image seen again (the same data: URI or URL, or a baked PNG with the same pixels) is not
    fetched and sanitised again. Holds the most recent few only."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._seen: dict[str, Any] = {}

    def find(
        self, *, original: bytes, container: str, image_ref: str, fetcher: Fetcher | None
    ) -> Any:
        key = self._key(original, container, image_ref)
        if key is not None and key in self._seen:
            return self._seen[key]
        image = find_image(
            original=original, container=container, image_ref=image_ref, fetcher=fetcher
        )
        if key is not None:
            if len(self._seen) >= self._size:
                self._seen.pop(next(iter(self._seen)))
            self._seen[key] = image
        return image

    @staticmethod
    def _key(original: bytes, container: str, image_ref: str) -> str | None:
        if container == "png":
            pixels = png_pixels_key(original)
            return None if pixels is None else "png:" + pixels
        if container == "svg" or not image_ref:
            return None
        return "ref:" + hashlib.sha256(image_ref.encode()).hexdigest()
