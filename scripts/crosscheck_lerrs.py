"""The learner-signed LER-RS résumé checked by Digital Bazaar's `@digitalbazaar/vc` (make
crosscheck-lerrs; needs Node and `npm ci` in devtools/bench/node).

In a throwaway SQLite database a learner with a holder key imports an Open Badges 3.0
credential and a CLR 2.0, builds the résumé and signs it; devtools/bench/node/
verify_credential.mjs verifies the signed wrapper, and must refuse a copy changed after
signing. Exits non-zero when any answer is not the expected one.
"""

from __future__ import annotations

import copy
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
    from django.core.management import call_command

    from wallet.verification.contexts import KNOWN_CONTEXT_URLS, load_context

    call_command("migrate", verbosity=0)
    wrapper = _signed_resume()
    tampered = copy.deepcopy(wrapper)
    tampered["credentialSubject"]["person"]["name"]["given"] = "Someone else"
    cases = {"LER-RS résumé": wrapper, "LER-RS résumé (changed after signing)": tampered}
    contexts = {url: load_context(url) for url in KNOWN_CONTEXT_URLS}
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "lerrs.json"
    path.write_text(json.dumps({"contexts": contexts, "cases": cases}, indent=2))
    script = REPO / "devtools" / "bench" / "node" / "verify_credential.mjs"
    run = subprocess.run(  # noqa: S603 - our own script
        ["node", str(script), str(path)],  # noqa: S607 - Node from the PATH, as make runs it
        capture_output=True,
        text=True,
        check=False,
    )
    if run.returncode != 0:
        print(run.stderr)
        return 1
    failures = 0
    for name, answer in json.loads(run.stdout).items():
        ok = answer["verified"] is ("changed" not in name)
        failures += not ok
        mark = "ok " if ok else "BAD"
        print(f"{mark} {name}: verified={answer['verified']} {answer['error'][:200]}")
    return 1 if failures else 0


def _signed_resume() -> dict:
    from datetime import UTC, datetime

    from allauth.account.models import EmailAddress

    from accounts.models import User
    from accounts.services import holder_key_create
    from intake.services.arrival import credential_import
    from sharing import lerrs
    from tests.support.issuer import TestIssuer
    from wallet import verifier

    now = datetime.now(UTC)
    user = User.objects.create_user(email="crosscheck@example.net", password=None)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    holder_key_create(user=user)
    issuer = TestIssuer()
    options = verifier.make_verify_options(owner=user, now=now, fetcher=issuer.fetcher)
    for document in (issuer.ob3(), issuer.clr()):
        credential_import(
            owner=user,
            data=json.dumps(document).encode(),
            source="upload",
            now=now,
            options=options,
        )
    person = lerrs.Person(given="Robin", family="Learner", email="robin@example.net")
    resume = lerrs.resume_for(owner=user, person=person, credential_ids=None, now=now)
    return lerrs.lerrs_wrap(owner=user, document=resume.document, now=now)


if __name__ == "__main__":
    sys.exit(main())
