"""Errors raised inside the verifier; the pipeline turns each into a failed Check."""

from __future__ import annotations

from .messages import Message


class VerificationInputError(Exception):
    """Input the verifier cannot accept. `code` is stable; the message is for a person."""

    code = "input.malformed"

    def __init__(self, message: str, *, code: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.detail = detail


class MalformedInput(VerificationInputError):
    code = "input.malformed"


class UnsupportedInput(VerificationInputError):
    code = "input.unsupported"


class UnsupportedKeyType(UnsupportedInput):
    """Key material whose own encoding says it is of a type this wallet does not verify with
    (a secp256k1 multicodec, an X25519 JWK): known not to be an Ed25519, P-256, P-384 or RSA
    key, so it cannot have made a signature of a suite or algorithm that needs one."""

    code = "key.unsupported_type"

    def __init__(self, message: str, *, key_type: str, detail: str = "") -> None:
        super().__init__(message, detail=detail)
        self.key_type = key_type


class UnknownContext(MalformedInput):
    """A JSON-LD context that is not in the vendored set; it is never fetched."""

    code = "context.unknown"

    def __init__(self, url: str) -> None:
        super().__init__(
            Message(
                "The credential uses a JSON-LD context this wallet does not know: %(url)s", url=url
            ),
            detail=f"context {url} is not vendored; contexts are never fetched at verify time",
        )
        self.url = url
