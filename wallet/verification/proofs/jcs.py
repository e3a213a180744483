"""JSON Canonicalization Scheme (RFC 8785), for the eddsa-jcs-2022 cryptosuite."""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from ..errors import MalformedInput
from ..messages import N_, Message

_SAFE_INTEGER = 2**53


def canonicalize(value: Any) -> str:
    """The one serialization RFC 8785 allows: sorted keys, no spaces, ECMAScript numbers."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value) if abs(value) < _SAFE_INTEGER else _number(float(value))
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, list):
        return "[" + ",".join(canonicalize(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(f"{canonicalize(k)}:{canonicalize(value[k])}" for k in keys) + "}"
    raise MalformedInput(
        Message("%(name)s has no JSON form.", name=type(value).__name__), code="jcs.invalid_value"
    )


def _number(value: float) -> str:
    """ECMAScript Number::toString: Python's repr has the same shortest digits."""
    if not math.isfinite(value):
        raise MalformedInput(N_("JSON numbers must be finite."), code="jcs.invalid_number")
    if value == 0:
        return "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)  # a finite value: not 'n', 'N' or 'F'
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len("".join(map(str, digit_tuple))) - len(digits)
    k, n = len(digits), len(digits) + int(exponent)
    prefix = "-" if sign else ""
    if k <= n <= 21:
        return prefix + digits + "0" * (n - k)
    if 0 < n <= 21:
        return prefix + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return prefix + "0." + "0" * -n + digits
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{prefix}{mantissa}e{'+' if n - 1 > 0 else '-'}{abs(n - 1)}"
