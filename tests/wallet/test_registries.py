"""Known issuer registries: read through the outbound door from registries on loopback (in the
DCC registry format of digitalcredentials/issuer-registry-client's fixtures), the bundled
snapshot offline, and the three statements the pages make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import ECKey

from config.env import normalise_origin
from tests.support.issuer import NOW
from tests.support.stub_server import StubServer, running_stub
from wallet import registries, tasks
from wallet.models import IssuerRegistry, RegistryListing
from wallet.services.registries import registries_refresh

pytestmark = pytest.mark.django_db

SANDBOX = "https://digitalcredentials.github.io/sandbox-registry/registry.json"
SANDBOX_DID = "did:key:z6Mkmjp1vQNev9wYjRA9DqnXwKRuDTb85UGhcjK1FTWrdu6X"
SCHOOL = "did:web:school.example"
COLLEGE = "did:key:z6MkwcvAGvRUZk5TjdAZrBwQdaSYwDTbpEGjCrqR5zWU3Yf3"


def _registry(entries: dict[str, dict[str, str]], updated: str = "2026-11-30T10:00:00+00:00"):
    return {
        "meta": {"created": "2022-10-27T17:57:31+00:00", "updated": updated},
        "registry": entries,
    }


@pytest.fixture
def stub(settings) -> Iterator[StubServer]:
    with running_stub() as running:
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        running.json(
            "/members.json",
            _registry({SCHOOL: {"name": "School (members)", "url": "https://school.example"}}),
        )
        running.json(
            "/community.json",
            _registry(
                {
                    SCHOOL: {"name": "School (community)", "url": "https://community.example"},
                    COLLEGE: {"name": "My College", "location": "Prato, Italy"},
                }
            ),
        )
        settings.SATCHEL_ISSUER_REGISTRIES = [
            ("Members Registry", running.origin + "/members.json"),
            ("Community Registry", running.origin + "/community.json"),
        ]
        yield running


def test_a_listed_issuer_is_named_by_the_most_authoritative_registry(stub):
    results = registries_refresh(now=NOW)

    assert [(r.read, r.listings) for r in results] == [(True, 1), (True, 2)]
    standing = registries.issuer_standing(SCHOOL)
    assert standing.state == registries.LISTED
    assert standing.registries == ("Members Registry", "Community Registry")
    assert standing.entry.name == "School (members)"
    assert standing.entry.url == "https://school.example"
    assert standing.sentence == (
        "Listed as School (members) in the Members Registry and Community Registry."
    )
    assert registries.issuer_standing(COLLEGE).registries == ("Community Registry",)


def test_an_issuer_no_registry_lists_is_not_listed_once_every_registry_was_read(stub):
    registries_refresh(now=NOW)

    standing = registries.issuer_standing("did:web:unknown.example")

    assert standing.state == registries.NOT_LISTED
    assert "says nothing against the credential" in standing.sentence
    assert standing.as_of == NOW.date().isoformat()


def test_an_unreachable_registry_makes_an_unlisted_issuer_not_checked(stub, settings):
    settings.SATCHEL_ISSUER_REGISTRIES = [
        *settings.SATCHEL_ISSUER_REGISTRIES,
        ("Gone Registry", stub.origin + "/gone.json"),
    ]
    results = registries_refresh(now=NOW)

    assert results[-1].read is False and "404" in results[-1].error
    unlisted = registries.issuer_standing("did:web:unknown.example")
    assert unlisted.state == registries.NOT_CHECKED
    assert unlisted.unchecked == ("Gone Registry",)
    assert "could not read the Gone Registry" in unlisted.sentence
    # What the other registries say still stands.
    assert registries.issuer_standing(SCHOOL).state == registries.LISTED


def test_a_registry_down_for_a_day_keeps_what_was_read_before_and_notes_why(stub):
    registries_refresh(now=NOW)
    stub.text("/members.json", "<html>maintenance</html>", "text/html", status=503)
    cache.clear()  # a day later: the door's hour-long cache of the last answer has gone

    later = NOW + timedelta(days=1)
    results = registries_refresh(now=later)

    assert results[0].read is False
    members = IssuerRegistry.objects.get(url=stub.origin + "/members.json")
    assert members.fetched_at == NOW and members.attempted_at == later
    assert "503" in members.error
    assert registries.issuer_standing(SCHOOL).entry.name == "School (members)"


def test_an_answer_that_is_not_a_registry_replaces_nothing(stub):
    registries_refresh(now=NOW)
    stub.json("/members.json", {"issuers": ["did:web:evil.example"]})
    cache.clear()

    results = registries_refresh(now=NOW + timedelta(days=1))

    assert results[0].read is False and "not a registry" in results[0].error
    assert RegistryListing.objects.filter(issuer_id=SCHOOL).count() == 2


def test_registries_are_fetched_through_the_door_which_refuses_a_private_address(settings):
    settings.SATCHEL_OUTBOUND_ALLOW = ()
    settings.SATCHEL_ISSUER_REGISTRIES = [("Intranet", "https://127.0.0.1:9/registry.json")]

    results = registries_refresh(now=NOW)

    assert results[0].read is False and "public internet" in results[0].error
    assert registries.issuer_standing(SCHOOL).state == registries.NOT_CHECKED


def test_the_bundled_snapshot_answers_offline_before_the_first_refresh(settings):
    settings.SATCHEL_ISSUER_REGISTRIES = [("DCC Sandbox Registry", SANDBOX)]

    listed = registries.issuer_standing(SANDBOX_DID)
    unlisted = registries.issuer_standing(SCHOOL)

    assert listed.state == registries.LISTED
    assert listed.entry.name == "Digital Credentials Consortium Test Issuer"
    assert listed.as_of == "2025-03-12"
    assert unlisted.state == registries.NOT_LISTED
    assert not IssuerRegistry.objects.exists()


def test_a_registry_entry_address_that_is_not_https_is_dropped():
    _, entries = registries.parse_registry(
        _registry({SCHOOL: {"name": "S", "url": "javascript:alert(1)"}})
    )
    assert entries[SCHOOL].url == ""


def test_the_daily_task_reads_the_registries(stub):
    assert tasks.refresh_issuer_registries.delay().get() == 2
    assert RegistryListing.objects.count() == 3


def test_the_credential_page_says_where_the_issuer_is_listed_beside_an_unchanged_verdict(
    client, owner, make_credential, stub
):
    registries_refresh(now=NOW)
    listed = make_credential(owner, issuer_id=SCHOOL, verdict="verified")
    unlisted = make_credential(owner, issuer_id="did:web:unknown.example", verdict="verified")
    client.force_login(owner)

    page = client.get(reverse("wallet:credential", args=[listed.pk])).content.decode()
    other = client.get(reverse("wallet:credential", args=[unlisted.pk])).content.decode()

    assert 'data-registry="listed"' in page and "School (members)" in page
    assert 'data-registry="not_listed"' in other
    unlisted.refresh_from_db()
    assert unlisted.verdict == "verified"


def test_the_credential_page_says_not_checked_when_no_registry_could_be_read(
    client, owner, make_credential, settings
):
    settings.SATCHEL_ISSUER_REGISTRIES = [("Never Read", "https://registry.example/r.json")]
    credential = make_credential(owner, issuer_id=SCHOOL)
    client.force_login(owner)

    page = client.get(reverse("wallet:credential", args=[credential.pk])).content.decode()

    assert 'data-registry="not_checked"' in page
    assert "could not read the Never Read" in page


# --- OpenID Federation trust anchors ------------------------------------------------------


class Anchor:
    """A trust anchor on loopback, shaped after the DCC's: an entity configuration and a fetch
    endpoint answering subordinate statements (ES256, typ entity-statement+jwt)."""

    def __init__(self, stub: StubServer) -> None:
        self.stub = stub
        self.key = ECKey.generate_key("P-256", parameters={"kid": "issuerregistry-key1"})
        self.entity = stub.origin
        now = int(NOW.timestamp())
        configuration = {
            "iss": self.entity,
            "sub": self.entity,
            "iat": now,
            "exp": now + 86400,
            "jwks": {"keys": [self.key.as_dict(private=False)]},
            "metadata": {
                "federation_entity": {"federation_fetch_endpoint": f"{self.entity}/fetch"}
            },
        }
        stub.text(
            "/.well-known/openid-federation",
            self.sign(configuration),
            "application/entity-statement+jwt",
        )

    @property
    def url(self) -> str:
        return f"oidf:{self.entity}/.well-known/openid-federation"

    def sign(self, claims: dict, key: ECKey | None = None) -> str:
        header = {"alg": "ES256", "typ": "entity-statement+jwt", "kid": "issuerregistry-key1"}
        return jwt.encode(header, claims, key or self.key)

    def lists(self, did: str, *, key: ECKey | None = None, **changes) -> None:
        now = int(NOW.timestamp())
        claims = {
            "iss": self.entity,
            "sub": did,
            "iat": now,
            "exp": now + 86400,
            "metadata": {
                "federation_entity": {
                    "organization_name": "TwoTraining Nursing School",
                    "homepage_uri": "https://twotraining.example",
                }
            },
            **changes,
        }
        self.stub.text(
            "/fetch?" + urlencode({"sub": did}),
            self.sign(claims, key),
            "application/entity-statement+jwt",
        )


@pytest.fixture
def anchor(settings) -> Iterator[Anchor]:
    with running_stub() as running:
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        found = Anchor(running)
        settings.SATCHEL_ISSUER_REGISTRIES = [("DCC Member Registry", found.url)]
        yield found


def test_a_federation_lists_an_issuer_by_its_signed_subordinate_statement(
    anchor, owner, make_credential
):
    make_credential(owner, issuer_id=SCHOOL)
    make_credential(owner, issuer_id="did:web:unknown.example")
    make_credential(owner, issuer_id="https://not-a-did.example/issuer")
    anchor.lists(SCHOOL)

    results = registries_refresh(now=NOW)

    assert results[0].read is True and results[0].listings == 1
    listed = registries.issuer_standing(SCHOOL)
    assert listed.state == registries.LISTED
    assert listed.entry.name == "TwoTraining Nursing School"
    assert listed.entry.url == "https://twotraining.example"
    assert registries.issuer_standing("did:web:unknown.example").state == registries.NOT_LISTED
    # Only DIDs are asked about; an issuer never asked is not checked.
    assert not any("not-a-did" in hit for hit in anchor.stub.hits)
    never_asked = registries.issuer_standing("did:web:new.example")
    assert never_asked.state == registries.NOT_CHECKED


def test_a_statement_not_signed_by_the_anchor_lists_nobody(anchor, owner, make_credential):
    make_credential(owner, issuer_id=SCHOOL)
    anchor.lists(SCHOOL, key=ECKey.generate_key("P-256", parameters={"kid": "issuerregistry-key1"}))

    registries_refresh(now=NOW)

    assert registries.issuer_standing(SCHOOL).state == registries.NOT_CHECKED


@pytest.mark.parametrize(
    "changes",
    [{"sub": "did:web:someone-else.example"}, {"iss": "https://other-anchor.example"}, {"exp": 1}],
)
def test_a_statement_about_another_party_or_expired_lists_nobody(
    anchor, owner, make_credential, changes
):
    make_credential(owner, issuer_id=SCHOOL)
    anchor.lists(SCHOOL, **changes)

    registries_refresh(now=NOW)

    assert registries.issuer_standing(SCHOOL).state == registries.NOT_CHECKED


def test_an_unreachable_trust_anchor_leaves_issuers_not_checked(settings, owner, make_credential):
    settings.SATCHEL_ISSUER_REGISTRIES = [
        ("DCC Member Registry", "oidf:https://127.0.0.1:9/.well-known/openid-federation")
    ]
    make_credential(owner, issuer_id=SCHOOL)

    results = registries_refresh(now=NOW)

    assert results[0].read is False
    assert registries.issuer_standing(SCHOOL).state == registries.NOT_CHECKED
