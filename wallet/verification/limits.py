"""Input size caps: the verifier's memory stays bounded whatever it is given."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_input_bytes: int = 5 * 1024 * 1024
    max_json_depth: int = 64
    max_png_pixels: int = 50_000_000
    max_png_chunks: int = 4096
    max_svg_bytes: int = 2 * 1024 * 1024
    max_fetch_bytes: int = 2 * 1024 * 1024
    max_nested_credentials: int = 500
    max_blank_nodes: int = 5000
    max_status_list_bytes: int = 16 * 1024 * 1024
    # An SD-JWT's Disclosures (issuers send tens; a PID has about thirty).
    max_disclosures: int = 2000
