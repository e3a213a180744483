"""`manage.py present`: the same consent rules as the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.core.management import call_command

from config.env import normalise_origin
from tests.support.verifier import StubVerifier, run_stub


@pytest.fixture
def stub(settings) -> Iterator[StubVerifier]:
    for running in run_stub():
        settings.SATCHEL_OUTBOUND_ALLOW = (normalise_origin(running.origin),)
        yield running


def _present(capsys, *args: str) -> tuple[int, dict]:
    code = 0
    try:
        call_command("present", *args, "--json")
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, json.loads(capsys.readouterr().out)


def test_it_sends_the_named_credential_with_yes(owner, add, issuer, stub, frozen, capsys):
    badge = add(issuer.ob3())
    link = stub.serve(stub.request())
    code, outcome = _present(
        capsys, "--user", owner.email, "--credential", str(badge.pk), "--yes", link
    )
    assert code == 0
    assert outcome["sent"] == [badge.pk]
    assert outcome["asked"][0]["matches"] == [badge.pk]
    assert "badge" in stub.sent_vp_token()


def test_without_credential_it_sends_nothing(owner, add, issuer, stub, frozen, capsys):
    add(issuer.ob3())
    code, outcome = _present(capsys, "--user", owner.email, "--yes", stub.serve(stub.request()))
    assert code == 1
    assert outcome["sent"] == [] and stub.received == []


def test_without_yes_and_no_terminal_it_sends_nothing(owner, add, issuer, stub, frozen, capsys):
    badge = add(issuer.ob3())
    link = stub.serve(stub.request())
    code, _outcome = _present(capsys, "--user", owner.email, "--credential", str(badge.pk), link)
    assert code == 1
    assert all("vp_token" not in r for r in stub.received)


def test_a_credential_the_request_does_not_ask_for_is_refused(
    owner, stranger, add, issuer, stub, frozen, capsys
):
    add(issuer.ob3())
    theirs = add(issuer.ob3(), user=stranger)
    link = stub.serve(stub.request())
    code, outcome = _present(
        capsys, "--user", owner.email, "--credential", str(theirs.pk), "--yes", link
    )
    assert code == 1 and outcome["errors"]
    assert stub.received == []
