"""Presentations Satchel sends, checked by Digital Bazaar's `@digitalbazaar/vc` (make
crosscheck-present; needs Node and `npm ci` in devtools/bench/node).

Runs the real presenting flow in a throwaway SQLite database: a learner with a holder key
imports an Open Badges 3.0 credential, answers an OpenID4VP request (DCQL `ldp_vc`) and a
VC-API exchange from the stub verifiers on loopback, and the `ldp_vp` presentations the
stubs received are handed to devtools/bench/node/verify_presentation.mjs with the request's
nonce and client_id (challenge and domain). A presentation checked against another
challenge must be refused. Exits non-zero when any answer is not the expected one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OUT = REPO / "var" / "crosscheck"


def main() -> int:
    database = Path(tempfile.mkdtemp()) / "crosscheck.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    presentations = _presentations(settings)
    contexts = _contexts(presentations)
    cases = {}
    for name, (vp, challenge, domain) in presentations.items():
        cases[name] = {"presentation": vp, "challenge": challenge, "domain": domain}
        cases[name + " (wrong challenge)"] = {
            "presentation": vp,
            "challenge": "not-the-nonce",
            "domain": domain,
        }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "presentations.json"
    path.write_text(json.dumps({"contexts": contexts, "cases": cases}, indent=2))
    script = REPO / "devtools" / "bench" / "node" / "verify_presentation.mjs"
    run = subprocess.run(  # noqa: S603 - our own script
        ["node", str(script), str(path)],  # noqa: S607 - Node from the PATH, as make runs it
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print(run.stderr)
        return 1
    answers = json.loads(run.stdout)
    failures = 0
    for name, answer in answers.items():
        expected = "wrong challenge" not in name
        ok = answer["verified"] is expected
        failures += not ok
        mark = "ok " if ok else "BAD"
        print(f"{mark} {name}: verified={answer['verified']} {answer['error'][:160]}")
    return 1 if failures else 0


def _presentations(settings) -> dict:
    from datetime import UTC, datetime

    from allauth.account.models import EmailAddress

    from accounts.models import User
    from accounts.services import holder_key_create
    from config.env import normalise_origin
    from intake.services.arrival import credential_import
    from sharing.presenting import verifier_request_answer, verifier_request_open
    from tests.support.issuer import TestIssuer
    from tests.support.verifier import run_stub
    from wallet import verifier

    now = datetime.now(UTC)
    user = User.objects.create_user(email="crosscheck@example.net", password=None)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    holder_key_create(user=user)
    issuer = TestIssuer()
    options = verifier.make_verify_options(owner=user, now=now, fetcher=issuer.fetcher)
    badge = credential_import(
        owner=user,
        data=json.dumps(issuer.ob3()).encode(),
        source="upload",
        now=now,
        options=options,
    ).credential
    found = {}
    for stub in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(stub.origin),)
        opened = verifier_request_open(owner=user, link=stub.serve(stub.request()), now=now)
        verifier_request_answer(
            owner=user, verifier_request=opened, picks={"badge": [badge.pk]}, now=now
        )
        found["OpenID4VP ldp_vp"] = (
            stub.sent_vp_token()["badge"][0],
            "n-0S6_WzA2Mj",
            f"redirect_uri:{stub.response_uri}",
        )
        stub.vpr = {
            "query": [
                {"type": "DIDAuthentication"},
                {
                    "type": "QueryByExample",
                    "credentialQuery": {"example": {"type": "OpenBadgeCredential"}},
                },
            ],
            "challenge": "vcapi-challenge",
            "domain": "127.0.0.1",
        }
        opened = verifier_request_open(owner=user, link=stub.origin + "/interaction?iuv=1", now=now)
        verifier_request_answer(
            owner=user, verifier_request=opened, picks={"0": [badge.pk]}, now=now
        )
        found["VC-API presentation"] = (
            stub.exchange_posts[-1]["verifiablePresentation"],
            "vcapi-challenge",
            "127.0.0.1",
        )
    return found


def _contexts(presentations: dict) -> dict:
    from wallet.verification.contexts import KNOWN_CONTEXT_URLS, load_context

    return {url: load_context(url) for url in KNOWN_CONTEXT_URLS}


if __name__ == "__main__":
    sys.exit(main())
