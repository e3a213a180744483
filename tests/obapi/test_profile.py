"""getProfile and putProfile (OB 3.0 sections 6.2.4, 6.2.5): the learner's Profile, identified
by their holder DID; a tool with profile.update may change the name, phone, description and
URL it sees, never the account, its id or its email."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.selectors import holder_dids
from obapi.apis import OB
from obapi.models import ToolAccess

from .conftest import bearer

API = "/ims/ob/v3p0/profile"


def test_it_reads_the_learners_profile(owner, connect) -> None:
    tokens = connect(owner, OB.profile_readonly)
    answer = Client().get(API, **bearer(tokens["access_token"]))

    assert answer.status_code == 200
    profile = answer.json()
    assert profile["type"] == "Profile"
    assert profile["id"] in holder_dids(user=owner)
    assert profile["email"] == owner.email
    assert ToolAccess.objects.filter(action=ToolAccess.Action.READ_PROFILE).exists()


def test_it_changes_what_a_tool_may_change(owner, connect) -> None:
    tokens = connect(owner)
    change = {"type": "Profile", "name": "Ada L.", "phone": "111-222-3333"}
    answer = Client().put(
        API, json.dumps(change), content_type="application/json", **bearer(tokens["access_token"])
    )

    assert answer.status_code == 200
    assert answer.json()["name"] == "Ada L."
    assert answer.json()["phone"] == "111-222-3333"
    owner.refresh_from_db()
    assert owner.display_name == ""  # the account itself is not the tool's to change
    again = Client().get(API, **bearer(tokens["access_token"])).json()
    assert again["phone"] == "111-222-3333"


@pytest.mark.parametrize(
    "change",
    [
        {"id": "did:example:someone-else"},
        {"email": "other@example.org"},
        {"name": ["not", "text"]},
        {"url": "javascript:alert(1)"},
        {"name": "x" * 201},
    ],
)
def test_it_refuses_what_a_tool_may_not_change(owner, connect, change) -> None:
    tokens = connect(owner)
    answer = Client().put(
        API, json.dumps(change), content_type="application/json", **bearer(tokens["access_token"])
    )

    assert answer.status_code == 400
    assert answer.json()["imsx_codeMajor"] == "failure"
    assert "phone" not in Client().get(API, **bearer(tokens["access_token"])).json()


def test_changing_needs_the_update_scope(owner, connect) -> None:
    tokens = connect(owner, OB.profile_readonly)
    answer = Client().put(
        API, '{"name": "x"}', content_type="application/json", **bearer(tokens["access_token"])
    )

    assert answer.status_code == 403


def test_a_body_that_is_not_json_is_refused(owner, connect) -> None:
    tokens = connect(owner)
    answer = Client().put(
        API, "{", content_type="application/json", **bearer(tokens["access_token"])
    )

    assert answer.status_code == 400
