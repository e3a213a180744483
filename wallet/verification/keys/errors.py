"""Why a verification method could not be resolved, and which verdict that implies."""

from __future__ import annotations

from ..report import Verdict


class KeyResolutionError(Exception):
    """A verification method could not be turned into a trusted public key.

    `code` is stable ("key.not_found"); `implies` is the verdict a failed key check leads to.
    """

    code = "key.invalid"
    implies = Verdict.INVALID_SIGNATURE

    def __init__(self, message: str, *, code: str | None = None, detail: str = "") -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.message = message
        self.detail = detail


class KeyUnreachable(KeyResolutionError):
    """The DID or controller document could not be fetched: says nothing about forgery."""

    code = "key.unreachable"
    implies = Verdict.ISSUER_UNREACHABLE


class KeyNotFound(KeyResolutionError):
    """The document was fetched but does not contain (or does not authorise) the key."""

    code = "key.not_found"


class InvalidKey(KeyResolutionError):
    """The document or the key material in it is invalid."""

    code = "key.invalid"


class PurposeNotAllowed(KeyNotFound):
    code = "key.purpose_not_allowed"


class UnsupportedKey(KeyResolutionError):
    """A DID method, URL scheme or key type this wallet does not verify with.

    `key_type` names the key when its material said what it is (errors.UnsupportedKeyType).
    """

    code = "key.unsupported"
    implies = Verdict.UNSUPPORTED

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        detail: str = "",
        key_type: str | None = None,
    ) -> None:
        super().__init__(message, code=code, detail=detail)
        self.key_type = key_type
