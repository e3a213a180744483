"""Parsing: from the bytes a learner brings to a document, token or link to verify."""

from .classify import classify, credential_from_jwt_payload
from .detect import parse_input
from .jsonload import load_json
from .model import CONTAINERS, ParsedInput
from .png import bake_png
from .svg import bake_svg

__all__ = [
    "CONTAINERS",
    "ParsedInput",
    "bake_png",
    "bake_svg",
    "classify",
    "credential_from_jwt_payload",
    "load_json",
    "parse_input",
]
