"""What parsing hands to the rest of the pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTAINERS = ("json", "jwt", "sd-jwt", "png", "svg", "url")


@dataclass(frozen=True)
class ParsedInput:
    """The credential as found, not yet verified.

    Exactly one of `document`, `token`, `sd_jwt`, `url`, `documents` is the credential
    (`sd_jwt`: an SD-JWT in compact form, whatever form it arrived in), except for an
    OB 2.0 hosted badge baked in an SVG, which carries both the assertion (`document`) and
    the link it is hosted at (`url`). `documents` holds a JSON array of credentials (a
    migration file), each an object or a compact JWS string as written; `baked_as` says
    which baking ("ob3", "clr", "ob2") an image used.
    """

    container: str
    document: dict[str, Any] | None = None
    token: str | None = None
    sd_jwt: str | None = None
    url: str | None = None
    documents: tuple[dict[str, Any] | str, ...] = ()
    baked_as: str | None = None
