"""The public verifier: anyone gives a credential, a presentation, a JWT or a Satchel share
link, and gets the report the record shows. One flow behind the page at /verify and the API
at /api/verify/.

Nothing is stored: what is given is verified in memory and forgotten. Every fetch (a hosted
credential, a DID document, a status list, another Satchel's share link) leaves through the
outbound door. A share link of this Satchel is read as a machine would read it: its signed
presentation is built here, and that counts as one download of the link, as any other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from config.outbound import make_fetcher
from sharing import presentations, selectors, services
from sharing.models import ShareState, ShareView
from wallet.verification import Report, VerifyOptions, verify_bytes
from wallet.verification.fetch import FetchError
from wallet.verifier import SchemaCache, make_budget, make_limits

MAX_NONCE_LENGTH = 256
USER_AGENT = "Satchel public verifier"
_SHARE_PATH = re.compile(r"^/s/([A-Za-z0-9_-]{16,100})/?$")


class VerifyRefused(ValueError):
    """What was given cannot be checked; the message says why, for whoever gave it."""


@dataclass(frozen=True)
class Checked:
    report: Report
    challenge: str | None
    domain: str | None
    # The presentation a share link gave, for the page to show what was checked.
    from_link: str = ""


def _nonce(value: str | None, what: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if len(text) > MAX_NONCE_LENGTH or not text.isprintable():
        raise VerifyRefused(
            _("The %(what)s is at most %(limit)d printable characters.")
            % {"what": what, "limit": MAX_NONCE_LENGTH}
        )
    return text


def _options(now: datetime, challenge: str | None, domain: str | None) -> VerifyOptions:
    return VerifyOptions(
        now=now,
        fetcher=make_fetcher(),
        limits=make_limits(),
        challenge=challenge,
        domain=domain,
        canon_cache={},
        schema_cache=SchemaCache(),
        budget=make_budget(),
    )


def public_verify(
    *,
    data: bytes | None = None,
    media_type: str | None = None,
    link: str = "",
    challenge: str | None = None,
    domain: str | None = None,
    client: str,
    now: datetime,
) -> Checked:
    """Verify what was given (bytes, or a link). Raises VerifyRefused for what cannot be."""
    challenge = _nonce(challenge, _("challenge"))
    domain = _nonce(domain, _("domain"))
    link = (link or "").strip()
    if data is not None and link:
        raise VerifyRefused(_("Give either a credential or a link, not both."))
    if data is None and not link:
        raise VerifyRefused(_("Give a file, paste a credential, or give a link."))
    if data is not None:
        if len(data) > settings.SATCHEL_MAX_UPLOAD_BYTES:
            raise VerifyRefused(_("That is larger than this verifier accepts."))
        if not data.strip():
            raise VerifyRefused(_("There is nothing to check in what was given."))
        report = verify_bytes(data, options=_options(now, challenge, domain), media_type=media_type)
        return Checked(report=report, challenge=challenge, domain=domain)
    return _verify_link(link, challenge, domain, client, now)


def _verify_link(
    link: str, challenge: str | None, domain: str | None, client: str, now: datetime
) -> Checked:
    if len(link) > 2000:
        raise VerifyRefused(_("That link is too long."))
    try:
        parts = urlsplit(link)
    except ValueError:
        raise VerifyRefused(_("That is not a web address.")) from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise VerifyRefused(_("That is not a web address."))
    origin = f"{parts.scheme}://{parts.netloc}"
    share_path = _SHARE_PATH.match(parts.path)
    if share_path is None:
        # A hosted credential (an Open Badges 2.0 assertion, an OB 3.0 URL): fetched and
        # checked like an imported link.
        report = verify_bytes(link.encode(), options=_options(now, challenge, domain))
        return Checked(report=report, challenge=challenge, domain=domain)
    if origin == settings.SATCHEL_PUBLIC_ORIGIN:
        return _verify_own_share(share_path.group(1), challenge, domain, client, now)
    return _verify_other_share(link.rstrip("/"), origin, challenge, domain, now)


def _verify_own_share(
    token: str, challenge: str | None, domain: str | None, client: str, now: datetime
) -> Checked:
    share = selectors.share_by_token(token=token)
    if share is None or share.state(now) != ShareState.ACTIVE or not share.shown_versions:
        raise VerifyRefused(_("This share link does not open: it may have ended."))
    credentials = [
        c
        for c in selectors.share_credentials(share=share, with_originals=True)
        if presentations.is_presentable(c)
    ]
    if not credentials:
        raise VerifyRefused(
            _("This link shares only Open Badges 2.0 badges: check each one on its own.")
        )
    if share.max_views is not None:
        taken = services.share_take_view(
            share=share, user_agent=USER_AGENT, now=now, kind=ShareView.Kind.PRESENTATION
        )
        if taken is None:
            raise VerifyRefused(_("This share link has no views left."))
    else:
        services.share_log_access(
            share=share,
            user_agent=USER_AGENT,
            client=client,
            now=now,
            kind=ShareView.Kind.PRESENTATION,
        )
    bound_to = challenge or share.challenge
    document = presentations.presentation_build(
        owner=share.owner,
        credentials=credentials,
        challenge=bound_to,
        domain=settings.SATCHEL_PUBLIC_ORIGIN,
        now=now,
        expires=share.expires_at,
    )
    expected_domain = domain or settings.SATCHEL_PUBLIC_ORIGIN
    report = verify_bytes(
        json.dumps(document).encode(), options=_options(now, bound_to, expected_domain)
    )
    return Checked(report=report, challenge=bound_to, domain=expected_domain, from_link="own")


def _verify_other_share(
    link: str, origin: str, challenge: str | None, domain: str | None, now: datetime
) -> Checked:
    """Another Satchel's share link: ask it for a presentation (bound to the challenge when
    one is given) through the outbound door, and check that."""
    url = f"{link}/presentation" + (f"?challenge={quote(challenge, safe='')}" if challenge else "")
    try:
        result = make_fetcher().fetch(url, accept=presentations.VP_MEDIA_TYPE)
    except FetchError as exc:
        raise VerifyRefused(
            _("The link could not be reached: %(reason)s") % {"reason": exc}
        ) from exc
    if not result.ok:
        raise VerifyRefused(_("The link did not give a presentation (it may have ended)."))
    expected_domain = domain or origin
    report = verify_bytes(result.body, options=_options(now, challenge, expected_domain))
    return Checked(report=report, challenge=challenge, domain=expected_domain, from_link="other")
