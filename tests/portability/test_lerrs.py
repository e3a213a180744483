"""The LER-RS résumé: chosen credentials as issued, the learner's typed details, valid against
the vendored HR Open and 1EdTech schemas, and a learner-signed wrapper that verifies."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from sharing import lerrs
from sharing.models import ShareLink
from sharing.services import share_create, share_token
from tests.portability.test_clr import add, owner  # noqa: F401  (fixtures)
from tests.support.issuer import NOW
from wallet.models import Credential
from wallet.verification import verify_bytes

PERSON = lerrs.Person(
    given="Robin",
    family="Learner",
    email="robin@example.net",
    phone="+44 20 7946 0000",
    objective="A data analyst role where I can keep learning.",
    skills=("SQL", "Teamwork"),
)


@pytest.fixture
def chosen(add, issuer):  # noqa: F811
    return {
        "ob3": add(issuer.ob3()),
        "vc1": add(issuer.ob3(suite="Ed25519Signature2020")),
        "jwt": add(issuer.ob3_jwt()),
        "ob2": add(issuer.ob2_hosted()),
        "clr": add(issuer.clr()),
    }


def _resume(owner, chosen, *names):  # noqa: F811
    ids = [chosen[n].pk for n in names] if names else None
    return lerrs.resume_for(owner=owner, person=PERSON, credential_ids=ids, now=NOW)


def test_the_resume_validates_against_the_vendored_schemas(owner, chosen):  # noqa: F811
    resume = _resume(owner, chosen)

    assert lerrs.lerrs_problems(resume.document) == []
    document = resume.document
    assert document["type"] == lerrs.LERRS_TYPE
    assert document["person"]["name"] == {
        "formattedName": "Robin Learner",
        "given": "Robin",
        "family": "Learner",
    }
    assert document["communication"]["email"] == [{"address": "robin@example.net"}]
    assert document["narratives"][0]["texts"][0]["lines"] == [PERSON.objective]
    assert {"name": "SQL"} in document["skills"]


def test_the_verifications_carry_the_credentials_exactly_as_issued(owner, chosen):  # noqa: F811
    document = _resume(owner, chosen, "ob3", "clr").document

    badge = document["certifications"][0]["verifications"][0]
    transcript = document["educationAndLearnings"][0]["verifications"][0]
    assert badge == json.loads(bytes(chosen["ob3"].original))
    assert transcript == json.loads(bytes(chosen["clr"].original))


def test_a_jwt_credential_goes_in_enveloped_and_the_rest_say_why_not(owner, chosen):  # noqa: F811
    resume = _resume(owner, chosen)

    reasons = {c.pk: reason for c, reason in resume.excluded}
    assert set(reasons) == {chosen["vc1"].pk, chosen["ob2"].pk}
    assert "VC 1.1" in reasons[chosen["vc1"].pk]
    assert "not a verifiable credential" in reasons[chosen["ob2"].pk]
    enveloped = [
        v
        for item in resume.document["certifications"]
        for v in item["verifications"]
        if v.get("type") == "EnvelopedVerifiableCredential"
    ]
    token = bytes(chosen["jwt"].original).decode().strip()
    assert enveloped and enveloped[0]["id"].endswith(token)


def test_a_document_that_breaks_the_schemas_is_reported(owner, chosen):  # noqa: F811
    document = copy.deepcopy(_resume(owner, chosen, "ob3").document)
    document["type"] = "LER-RS"
    document["skills"] = []

    problems = lerrs.lerrs_problems(document)

    assert any(p.startswith("type:") for p in problems)
    assert any(p.startswith("skills:") for p in problems)


def test_the_signed_wrapper_verifies_and_a_change_breaks_it(owner, issuer, chosen):  # noqa: F811
    document = _resume(owner, chosen, "ob3", "clr").document
    wrapper = lerrs.lerrs_wrap(owner=owner, document=document, now=NOW)

    report = verify_bytes(json.dumps(wrapper).encode(), options=issuer.options())
    assert report.verdict == "verified", [c.to_dict() for c in report.checks if c.status != "pass"]
    assert wrapper["issuer"] == wrapper["credentialSubject"]["id"]
    assert wrapper["issuer"] == wrapper["proof"]["verificationMethod"].split("#")[0]

    wrapper["credentialSubject"]["person"]["name"]["given"] = "Someone"
    tampered = verify_bytes(json.dumps(wrapper).encode(), options=issuer.options())
    assert tampered.verdict == "invalid_signature"


def test_a_credential_of_someone_else_cannot_go_in(owner, chosen, stranger, make_credential):  # noqa: F811
    theirs = make_credential(stranger)
    with pytest.raises(ValidationError, match="not in your record"):
        lerrs.resume_for(owner=owner, person=PERSON, credential_ids=[theirs.pk], now=NOW)


def test_the_page_downloads_the_resume_and_the_signed_wrapper(client, owner, chosen):  # noqa: F811
    client.force_login(owner)
    before = Credential.objects.filter(owner=owner).count()
    form = {
        "resume-given": "Robin",
        "resume-family": "Learner",
        "resume-email": "robin@example.net",
        "resume-skills": "SQL, Teamwork",
        "resume-scope": "chosen",
        "resume-credentials": [chosen["ob3"].pk],
    }

    plain = client.post(reverse("portability:resume"), {**form, "download": "lerrs"})
    signed = client.post(reverse("portability:resume"), {**form, "download": "signed"})

    assert plain.status_code == 200 and plain["Content-Type"] == "application/json"
    document = json.loads(b"".join(plain.streaming_content) if plain.streaming else plain.content)
    assert lerrs.lerrs_problems(document) == []
    assert document["skills"] == [{"name": "SQL"}, {"name": "Teamwork"}, *document["skills"][2:]]
    wrapper = json.loads(b"".join(signed.streaming_content) if signed.streaming else signed.content)
    assert wrapper["type"] == ["VerifiableCredential", lerrs.WRAPPER_TYPE]
    assert Credential.objects.filter(owner=owner).count() == before


def test_the_page_refuses_a_resume_without_a_name_and_changes_nothing(client, owner, chosen):  # noqa: F811
    client.force_login(owner)

    response = client.post(
        reverse("portability:resume"), {"resume-scope": "all", "download": "lerrs"}
    )

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


def test_a_resume_shared_as_a_link_offers_the_signed_resume_to_the_employer(
    client,
    owner,  # noqa: F811
    chosen,
    issuer,
    frozen,
):
    client.force_login(owner)
    form = {
        "resume-given": "Robin",
        "resume-family": "Learner",
        "resume-objective": "A data analyst role.",
        "resume-scope": "chosen",
        "resume-credentials": [chosen["ob3"].pk, chosen["ob2"].pk],
        "download": "share",
    }

    response = client.post(reverse("portability:resume"), form)

    share = ShareLink.objects.get(owner=owner)
    assert response.status_code == 302 and response["Location"] == f"/shares/{share.pk}/"
    assert share.resume["given"] == "Robin" and share.display_name == "Robin Learner"
    # Only what went into the résumé is shared (the OB 2.0 badge could not).
    assert list(share.credentials.all()) == [chosen["ob3"]]
    token = share_token(share)
    client.logout()
    page = client.get(f"/s/{token}", REMOTE_ADDR="198.51.100.7").content.decode()
    assert f"/s/{token}/resume.json" in page
    download = client.get(f"/s/{token}/resume.json", REMOTE_ADDR="198.51.100.7")
    wrapper = json.loads(
        b"".join(download.streaming_content) if download.streaming else download.content
    )
    assert wrapper["credentialSubject"]["narratives"][0]["texts"][0]["lines"] == [
        "A data analyst role."
    ]
    assert (
        lerrs.lerrs_problems({k: v for k, v in wrapper["credentialSubject"].items() if k != "id"})
        == []
    )
    report = verify_bytes(
        json.dumps(wrapper).encode(), options=issuer.options(now=NOW + timedelta(minutes=6))
    )
    assert report.verdict == "verified", [c.to_dict() for c in report.checks if c.status != "pass"]


def test_a_link_not_shared_as_a_resume_has_no_resume(client, owner, chosen, frozen):  # noqa: F811
    _share, token = share_create(
        owner=owner, audience="Acme", credential_ids=[chosen["ob3"].pk], now=NOW
    )

    response = client.get(f"/s/{token}/resume.json", REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 404


def test_the_export_page_offers_the_resume_once_in_its_content(client, owner, chosen):  # noqa: F811
    client.force_login(owner)

    page = client.get(reverse("portability:export")).content.decode()

    head, body = page.split("</head>", 1)
    assert 'id="resume-heading"' not in head
    assert body.count('id="resume-heading"') == 1
    assert 'value="share"' in body


def test_an_sd_jwt_vc_stays_out_of_the_resume_saying_why(owner, add, issuer):  # noqa: F811
    from tests.support.sdjwt_issuer import SdJwtIssuer

    sd_jwt = add(SdJwtIssuer(issuer.fetcher).issue(holder_jwk=None))

    resume = lerrs.resume_for(owner=owner, person=PERSON, credential_ids=[sd_jwt.pk], now=NOW)

    [(left_out, reason)] = resume.excluded
    assert left_out == sd_jwt and "choose which of its claims" in reason
    assert "~" not in json.dumps(resume.document)


def test_each_vendored_lerrs_schema_matches_its_pinned_sha256():
    manifest = json.loads((lerrs._SCHEMAS / "manifest.json").read_text(encoding="utf-8"))

    assert manifest
    for entry in manifest:
        raw = (lerrs._SCHEMAS / entry["file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == entry["sha256"], entry["file"]
        assert entry["url"].startswith("http://schema.hropenstandards.org/4.4/")


def test_the_types_left_unchecked_are_exactly_the_ones_named_as_not_vendored():
    # Vendoring one of them (with its manifest entry) makes this fail until NOT_VENDORED
    # drops it, so the list of what is not checked stays true.
    assert lerrs.unvendored_refs() == set(lerrs.NOT_VENDORED)
    assert len(lerrs.NOT_VENDORED) == 19


def test_a_reference_to_anything_else_is_refused_not_fetched():
    with pytest.raises(LookupError):
        lerrs._not_vendored("http://schema.hropenstandards.org/4.4/common/json/Other.json")
    stand_in = lerrs._not_vendored(
        "http://schema.hropenstandards.org/4.4/recruiting/json/ler-rs/SkillType.json"
    )
    assert stand_in.contents == {}
