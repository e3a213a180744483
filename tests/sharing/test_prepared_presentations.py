"""A link's presentation is prepared once per version of what it shows; each fresh challenge
only signs. What is reused must never outlive a change: a credential trashed, a key rotated."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

from accounts.services import holder_key_rotate
from accounts.signing import VC_V2, sign_presentation
from sharing.presentations import prepared_presentations
from tests.support.issuer import NOW
from wallet.services.trash import credential_delete
from wallet.verification import verify_bytes
from wallet.verification.canon import CanonCache

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture(autouse=True)
def _nothing_prepared_yet() -> None:
    prepared_presentations.clear()


def _verify(issuer, body: bytes, challenge: str):
    options = issuer.options(challenge=challenge, domain=settings.SATCHEL_PUBLIC_ORIGIN)
    return verify_bytes(body, options=options)


def _present(client, token: str, challenge: str, address: str = "192.0.2.1"):
    response = client.get(f"/s/{token}/presentation?challenge={challenge}", REMOTE_ADDR=address)
    assert response.status_code == 200
    return response


def test_a_fresh_challenge_signs_again_without_reading_the_credentials(
    client, shared, issuer, django_assert_num_queries
):
    _, token, _ = shared
    _present(client, token, "first")

    # The link with its versions, the holder's key, the access-log row: nothing else.
    with django_assert_num_queries(3):
        response = _present(client, token, "second", address="192.0.2.2")

    assert json.loads(response.content)["proof"]["challenge"] == "second"
    assert _verify(issuer, response.content, "second").verdict == "verified"
    assert len(prepared_presentations) == 1


def test_the_signed_text_is_what_json_response_would_write(client, shared):
    _, token, _ = shared
    _present(client, token, "one")

    body = _present(client, token, 'quote " and backslash \\ and é').content

    document = json.loads(body)
    assert body == json.dumps(document, cls=DjangoJSONEncoder).encode()
    assert list(document)[-1] == "proof"


def test_a_credential_trashed_leaves_the_next_presentation_at_once(client, shared, issuer):
    _, token, credentials = shared
    before = json.loads(_present(client, token, "a").content)

    credential_delete(credential=credentials[0], now=NOW)
    response = _present(client, token, "b")

    after = json.loads(response.content)
    assert len(after["verifiableCredential"]) == len(before["verifiableCredential"]) - 1
    assert _verify(issuer, response.content, "b").verdict == "verified"


def test_a_rotated_holder_key_signs_the_next_presentation(client, shared, owner, issuer):
    _, token, _ = shared
    before = json.loads(_present(client, token, "a").content)

    new_key = holder_key_rotate(user=owner, now=NOW)
    response = _present(client, token, "b")

    after = json.loads(response.content)
    assert before["holder"] != new_key.did
    assert after["holder"] == new_key.did
    assert after["proof"]["verificationMethod"].startswith(new_key.did)
    assert _verify(issuer, response.content, "b").verdict == "verified"


def test_a_document_without_a_proof_is_signed_as_the_cache_remembers_it(owner):
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"]}
    source = b"the text the document was prepared as"
    cache = CanonCache({})
    cache.remember(unsigned, source)
    # What the cache holds for that text is what gets signed (here a stand-in, to tell).
    cache["without-proof:bytes-" + hashlib.sha256(source).hexdigest()] = "stand-in\n"

    remembered = sign_presentation(user=owner, presentation=unsigned, now=NOW, cache=cache)
    fresh = sign_presentation(user=owner, presentation=unsigned, now=NOW)

    assert remembered["proof"]["proofValue"] != fresh["proof"]["proofValue"]
