"""Sign-ups through allauth's adapters give the new earner a holder key."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory

from accounts.adapter import SocialAccountAdapter
from accounts.models import HolderKey, User


@pytest.mark.django_db
def test_a_school_sign_up_gets_a_holder_key():
    request = RequestFactory().get("/accounts/oidc/school/login/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    sociallogin = SocialLogin(
        user=User(email="lin@school.example"),
        account=SocialAccount(provider="school", uid="student-42"),
    )

    user = SocialAccountAdapter().save_user(request, sociallogin)

    assert SocialAccount.objects.get(uid="student-42").user == user
    assert not user.has_usable_password()
    assert HolderKey.objects.filter(user=user, retired_at__isnull=True).count() == 1
