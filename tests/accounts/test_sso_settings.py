"""School sign-in settings: a provider reached over plain HTTP stops start-up in production."""

from __future__ import annotations

import pytest

from tests.platform.test_settings import manage, production_env

SCHOOL = {"OIDC_CLIENT_ID": "satchel", "OIDC_CLIENT_SECRET": "from-the-school"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "http://id.school.example",
            "Setting OIDC_SERVER_URL: with DEBUG off it must be an https:// URL, "
            "got 'http://id.school.example'",
        ),
        (
            "id.school.example",
            "Setting OIDC_SERVER_URL: expected an http(s):// URL, got 'id.school.example'",
        ),
    ],
)
def test_it_refuses_a_provider_url_production_must_not_use(value: str, expected: str) -> None:
    result = manage("check", env=production_env(OIDC_SERVER_URL=value, **SCHOOL))

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [f"satchel: configuration error: {expected}"], result.stderr


def test_an_https_provider_starts() -> None:
    env = production_env(OIDC_SERVER_URL="https://id.school.example/realms/students", **SCHOOL)

    result = manage("check", env=env)

    assert result.returncode == 0, result.stderr


def test_in_development_a_local_provider_may_use_http() -> None:
    env = production_env(OIDC_SERVER_URL="http://127.0.0.1:9000/o", DEBUG="true", **SCHOOL)

    result = manage("check", env=env)

    assert result.returncode == 0, result.stderr
