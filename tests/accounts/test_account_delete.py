"""Deleting an account leaves no row anywhere that points at the earner."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import models
from rest_framework.authtoken.models import Token

from accounts.models import User
from accounts.services import account_delete, holder_key_create, holder_key_rotate
from tests.accounts.conftest import PASSWORD


def rows_referencing(user_id: int) -> list[str]:
    """Every model row, in every installed app, with a foreign key to this user id."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not (isinstance(field, models.ForeignKey) and field.related_model is User):
                continue
            count = model._default_manager.filter(**{field.attname: user_id}).count()
            if count:
                found.append(f"{model._meta.label}.{field.name}: {count}")
    return found


def give_everything(user: User) -> str:
    """One of each kind of thing an earner can own today; returns an unused recovery code."""
    EmailAddress.objects.create(user=user, email=f"second-{user.pk}@example.org", verified=True)
    holder_key_create(user=user)
    holder_key_rotate(user=user)
    TOTP.activate(user, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    recovery_code = RecoveryCodes.activate(user).get_unused_codes()[0]
    SocialAccount.objects.create(user=user, provider="school", uid=f"uid-{user.pk}")
    Token.objects.create(user=user)
    group = Group.objects.create(name=f"group-{user.pk}")
    user.groups.add(group)
    LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=ADDITION,
    )
    return recovery_code


@pytest.mark.django_db
def test_the_service_deletes_the_user_and_everything_they_own(owner, stranger):
    give_everything(owner)
    give_everything(stranger)
    owner_id = owner.pk
    assert rows_referencing(owner_id)  # the check would see leftovers

    account_delete(user=owner)

    assert not User.objects.filter(pk=owner_id).exists()
    assert rows_referencing(owner_id) == []
    assert rows_referencing(stranger.pk)  # the stranger keeps everything


@pytest.mark.django_db
def test_the_page_deletes_the_account_after_the_password_and_signs_out(owner_client, owner):
    code = give_everything(owner)  # two-factor sign-in on: the code is asked for too
    owner_id = owner.pk

    response = owner_client.post("/account/delete/", {"password": PASSWORD, "code": code})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert not User.objects.filter(pk=owner_id).exists()
    assert rows_referencing(owner_id) == []
    assert owner_client.get("/account/").status_code == 302
    follow = owner_client.get(response["Location"])
    assert b"Your account and everything in it have been deleted" in follow.content


@pytest.mark.django_db
def test_a_wrong_password_deletes_nothing(owner_client, owner):
    response = owner_client.post("/account/delete/", {"password": "not my password"})

    assert response.status_code == 200
    assert b"That password is not correct" in response.content
    assert User.objects.filter(pk=owner.pk).exists()


@pytest.mark.django_db
def test_opening_the_page_deletes_nothing(owner_client, owner):
    response = owner_client.get("/account/delete/")

    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert User.objects.filter(pk=owner.pk).exists()
