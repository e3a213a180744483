"""The employer's page says whether each credential's issuer is in a known issuer registry."""

from __future__ import annotations

import pytest

from tests.support.issuer import NOW
from wallet.models import IssuerRegistry, RegistryListing

pytestmark = pytest.mark.usefixtures("frozen")

REGISTRY = "https://registry.example/registry.json"


def test_the_page_says_which_issuers_a_known_registry_lists(client, shared, issuer, settings):
    settings.SATCHEL_ISSUER_REGISTRIES = [("Example Registry", REGISTRY)]
    registry = IssuerRegistry.objects.create(url=REGISTRY, name="Example Registry", fetched_at=NOW)
    RegistryListing.objects.create(
        registry=registry, issuer_id=issuer.ed.did, name="Test University"
    )
    _, token, _ = shared

    page = client.get(f"/s/{token}", REMOTE_ADDR="198.51.100.7").content.decode()

    assert "Listed as Test University in the Example Registry." in page
    # The OB 2.0 badge's issuer is not listed: said as information, beside its verdict.
    assert 'data-registry="not_listed"' in page


def test_the_page_says_not_checked_when_the_registry_was_never_read(client, shared, settings):
    settings.SATCHEL_ISSUER_REGISTRIES = [("Example Registry", REGISTRY)]
    _, token, _ = shared

    page = client.get(f"/s/{token}", REMOTE_ADDR="198.51.100.7").content.decode()

    assert 'data-registry="listed"' not in page
    assert "could not read the Example Registry" in page
