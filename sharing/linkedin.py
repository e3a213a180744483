"""LinkedIn's "Add to profile" link for a certification, filled from a credential.

LinkedIn opens its add-certification form with these query parameters filled in; the earner
still reviews and saves it there. Only credentials that verify are offered: a profile entry is
a claim made in front of employers, and it points at a share page that shows the verification.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from wallet.models import UNTITLED, VERIFYING, Credential
from wallet.presentable import read_entry

ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"
# A LinkedIn company page by its number, the only form of it LinkedIn's organizationId takes.
_COMPANY_PAGE = re.compile(r"^https://(?:[a-z]{2,3}\.)?linkedin\.com/company/(\d{1,12})/?$")


def offers_linkedin(credential: Credential) -> bool:
    """Whether the credential verifies well enough to be put on a LinkedIn profile."""
    return str(getattr(credential, "verdict", "") or "") in VERIFYING


def organization_id(credential: Credential) -> str:
    """The issuer's LinkedIn organisation number, when its profile in the credential names
    its LinkedIn company page (as `url`, `sameAs`, or an `otherIdentifier`), else ""."""
    document = read_entry(credential).document or {}
    issuer = document.get("issuer")
    if not isinstance(issuer, dict):
        return ""
    candidates: list[Any] = [issuer.get("url")]
    same_as = issuer.get("sameAs")
    candidates += same_as if isinstance(same_as, list) else [same_as]
    others = issuer.get("otherIdentifier")
    for other in others if isinstance(others, list) else [others]:
        if isinstance(other, dict):
            candidates.append(other.get("identifier"))
    for candidate in candidates:
        if isinstance(candidate, str):
            match = _COMPANY_PAGE.match(candidate.strip().lower().replace("://www.", "://"))
            if match:
                return match.group(1)
    return ""


def linkedin_add_url(*, credential: Credential, share_url: str) -> str:
    """The add-certification link: name, issuer, issue and expiry month, the share as its URL."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", credential.title or UNTITLED),
    ]
    organization = organization_id(credential)
    if organization:
        # LinkedIn links the entry to the company page; the name is then taken from it.
        params.append(("organizationId", organization))
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
