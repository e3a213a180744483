"""The vendored JSON-LD contexts: pinned, complete, and the only thing the loader serves."""

from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import pytest

from wallet.verification import contexts
from wallet.verification.canon import canonize
from wallet.verification.contexts import KNOWN_CONTEXT_URLS, document_loader, load_context
from wallet.verification.errors import UnknownContext

FOLDER = Path(contexts.__file__).resolve().parent
MANIFEST = json.loads((FOLDER / "manifest.json").read_text(encoding="utf-8"))

REQUIRED = [
    "https://www.w3.org/2018/credentials/v1",
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
    "https://w3id.org/security/suites/ed25519-2020/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context.json",
    "https://w3id.org/vc/status-list/2021/v1",
    "https://www.w3.org/ns/credentials/status/v1",
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/did/v1",
    "https://w3id.org/openbadges/v2",
    "https://openbadgespec.org/v2/context.json",
    "https://w3id.org/security/jwk/v1",
    "https://w3id.org/security/suites/jws-2020/v1",
    "https://w3id.org/security/v1",
    "https://w3id.org/security/v2",
    "https://w3id.org/security/suites/ed25519-2018/v1",
    "https://www.w3.org/2018/credentials/examples/v1",
    "https://www.w3.org/ns/credentials/examples/v2",
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the context loader tried to open a socket")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["url"] for entry in MANIFEST])
def test_each_vendored_file_matches_its_pinned_sha256(entry: dict[str, str]) -> None:
    data = (FOLDER / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert entry["source"], "every context says where it was vendored from"


@pytest.mark.parametrize("entry", MANIFEST, ids=[entry["url"] for entry in MANIFEST])
def test_each_manifest_url_loads_as_a_context_document(entry: dict[str, str]) -> None:
    document = load_context(entry["url"])
    assert isinstance(document["@context"], (dict, list))
    assert document == json.loads((FOLDER / entry["file"]).read_text(encoding="utf-8"))


def test_every_file_in_the_folder_is_listed_in_the_manifest() -> None:
    listed = {entry["file"] for entry in MANIFEST}
    present = {f"files/{path.name}" for path in (FOLDER / "files").iterdir()}
    assert present == listed


def test_the_contexts_credentials_need_are_all_known() -> None:
    assert set(REQUIRED) <= KNOWN_CONTEXT_URLS
    assert {entry["url"] for entry in MANIFEST} == KNOWN_CONTEXT_URLS


def test_vc_v2_context_is_the_file_whose_hash_vcdm_2_publishes() -> None:
    (entry,) = [e for e in MANIFEST if e["url"] == "https://www.w3.org/ns/credentials/v2"]
    assert entry["sha256"] == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def test_ob_3_0_3_context_is_the_newest_edit_with_jti_and_endorsement_jwt() -> None:
    text = json.dumps(load_context("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"))
    for term in ('"awardedDate"', '"jti"', '"endorsementJwt"'):
        assert term in text


def test_aliases_serve_the_same_document() -> None:
    assert load_context("https://w3id.org/did/v1") is load_context("https://www.w3.org/ns/did/v1")
    assert load_context(
        "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld"
    ) is load_context("https://purl.imsglobal.org/spec/ob/v3p0/context.json")


def test_a_context_is_parsed_once_and_then_reused() -> None:
    url = "https://www.w3.org/2018/credentials/v1"
    assert load_context(url) is load_context(url)


def test_the_loader_returns_a_static_remote_document_pyld_can_cache() -> None:
    url = "https://www.w3.org/ns/credentials/v2"
    remote = document_loader(url, {})
    assert remote == {
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
        "tag": "static",
    }


def test_the_loader_hands_pyld_a_copy_so_the_vendored_document_cannot_be_altered() -> None:
    url = "https://www.w3.org/ns/credentials/v2"
    remote = document_loader(url)
    remote["document"]["@context"] = "tampered"
    assert load_context(url)["@context"] != "tampered"


def test_an_unknown_context_is_refused_by_name_without_any_fetch(no_network: None) -> None:
    url = "https://evil.example/contexts/v1"
    with pytest.raises(UnknownContext) as raised:
        document_loader(url)
    assert raised.value.url == url
    assert url in str(raised.value)
    assert raised.value.code == "context.unknown"


def test_a_near_miss_of_a_known_url_is_still_unknown(no_network: None) -> None:
    with pytest.raises(UnknownContext):
        load_context("http://www.w3.org/ns/credentials/v2")
    with pytest.raises(UnknownContext):
        load_context("https://www.w3.org/ns/credentials/v2/")


def test_canonizing_a_document_with_an_unknown_context_names_that_context(
    no_network: None,
) -> None:
    url = "https://contexts.example/unknown/v1"
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject"},
    }
    with pytest.raises(UnknownContext) as raised:
        canonize(document)
    assert raised.value.url == url


def test_a_scoped_context_url_inside_a_known_context_is_also_checked(no_network: None) -> None:
    url = "https://contexts.example/scoped"
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            {"badge": {"@id": "https://example.org/badge", "@context": url}},
        ],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", "badge": {"name": "x"}},
    }
    with pytest.raises(UnknownContext) as raised:
        canonize(document)
    assert raised.value.url == url
