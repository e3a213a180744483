"""Two-factor sign-in with an authenticator app (TOTP) and recovery codes, at frozen times."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

from tests.accounts.conftest import PASSWORD, sign_in

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def totp_code(secret: str, at: datetime) -> str:
    return format_hotp_value(hotp_value(secret, int(at.timestamp()) // 30))


def a_wrong_code(secret: str, at: datetime) -> str:
    right = totp_code(secret, at)
    return "000000" if right != "000000" else "111111"


@pytest.mark.django_db
def test_an_earner_turns_on_an_authenticator_app_and_then_needs_its_code(client, owner):
    with time_machine.travel(T0, tick=False):
        sign_in(client, owner.email)
        # Turning on 2FA first asks for the password again.
        response = client.get("/accounts/2fa/totp/activate/")
        assert response["Location"].startswith("/accounts/reauthenticate/")
        client.post(response["Location"], {"password": PASSWORD})
        page = client.get("/accounts/2fa/totp/activate/")
        assert page.status_code == 200
        assert b'src="data:image/svg+xml;base64,' in page.content  # the QR code
        secret = client.session["mfa.totp.secret"]

        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret, T0)})

        assert response.status_code == 302
        assert Authenticator.objects.filter(user=owner, type=Authenticator.Type.TOTP).exists()
        assert Authenticator.objects.filter(
            user=owner, type=Authenticator.Type.RECOVERY_CODES
        ).exists()
        client.post("/accounts/logout/")

    later = T0 + timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        response = sign_in(client, owner.email)
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert client.get("/account/").status_code == 302  # the password alone is not enough

        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret, later)})

        assert response.status_code == 302
        assert client.get("/account/").status_code == 200


@pytest.fixture
def owner_with_totp(owner):
    TOTP.activate(owner, SECRET)
    return owner


@pytest.mark.django_db
def test_a_wrong_authenticator_code_is_refused_with_a_clear_message(client, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        sign_in(client, owner_with_totp.email)

        response = client.post("/accounts/2fa/authenticate/", {"code": a_wrong_code(SECRET, T0)})

        assert response.status_code == 200
        assert b"Incorrect code" in response.content
        assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_an_authenticator_code_works_only_once(client, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        sign_in(client, owner_with_totp.email)
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET, T0)})
        client.post("/accounts/logout/")
        sign_in(client, owner_with_totp.email)

        response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET, T0)})

        assert response.status_code == 200
        assert client.get("/account/").status_code == 302


@pytest.mark.django_db
def test_a_recovery_code_signs_in_once(client, owner_with_totp):
    codes = RecoveryCodes.activate(owner_with_totp).get_unused_codes()

    sign_in(client, owner_with_totp.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})

    assert response.status_code == 302
    assert client.get("/account/").status_code == 200

    client.post("/accounts/logout/")
    sign_in(client, owner_with_totp.email)
    reused = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})

    assert reused.status_code == 200
    assert b"Incorrect code" in reused.content


@pytest.mark.django_db
def test_code_fields_ask_phones_for_digits_and_browsers_for_the_code(client, owner_with_totp):
    with time_machine.travel(T0, tick=False):
        sign_in(client, owner_with_totp.email)
        page = client.get("/accounts/2fa/authenticate/").content.decode()
        field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
        assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field
        client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET, T0)})
        page = client.get("/account/delete/").content.decode()
        field = re.search(r'<input[^>]*name="code"[^>]*>', page).group(0)
        assert 'inputmode="numeric"' in field and 'autocomplete="one-time-code"' in field
