"""LinkedIn's "Add to profile" link for a certification, filled from a credential.

LinkedIn opens its add-certification form with these query parameters filled in; the earner
still reviews and saves it there. Only credentials that verify are offered: a profile entry is
a claim made in front of employers, and it points at a share page that shows the verification.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from wallet.models import VERIFYING

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


def offers_linkedin(credential: Any) -> bool:
    """Whether the credential verifies well enough to be put on a LinkedIn profile."""
    return str(getattr(credential, "verdict", "") or "") in VERIFYING


def linkedin_add_url(*, credential: Any, share_url: str) -> str:
    """The add-certification link: name, issuer, issue and expiry month, the share as its URL."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", credential.title or "Credential"),
    ]
    if credential.issuer_name:
        params.append(("organizationName", credential.issuer_name))
    earned = credential.awarded_at or credential.issued_at
    if earned is not None:
        params += [("issueYear", str(earned.year)), ("issueMonth", str(earned.month))]
    if credential.valid_until is not None:
        params += [
            ("expirationYear", str(credential.valid_until.year)),
            ("expirationMonth", str(credential.valid_until.month)),
        ]
    params.append(("certUrl", share_url))
    if credential.credential_id:
        params.append(("certId", credential.credential_id))
    # Spaces as %20, not "+": every decoder reads %20 the same way.
    return f"{ADD_TO_PROFILE}?{urlencode(params, quote_via=quote)}"
