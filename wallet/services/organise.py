"""Tags and collections: how the earner organises a growing record."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from wallet.models import Collection, Credential, Tag
from wallet.services.audit import audit_record


def _clean_name(name: str, limit: int) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValidationError(gettext("A name is required."))
    if len(cleaned) > limit:
        raise ValidationError(
            gettext("A name has at most %(limit)s characters.") % {"limit": limit}
        )
    return cleaned


def tag_create(*, owner: User, name: str, now: datetime | None = None) -> Tag:
    """Create a tag, or return the owner's tag of that name."""
    name = _clean_name(name, 60)
    existing = Tag.objects.filter(owner=owner, name__iexact=name).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Tag.objects.create(owner=owner, name=name, created_at=now or timezone.now())
    except IntegrityError:
        return Tag.objects.get(owner=owner, name=name)


def tag_rename(*, tag: Tag, name: str) -> Tag:
    name = _clean_name(name, 60)
    if Tag.objects.filter(owner=tag.owner, name__iexact=name).exclude(pk=tag.pk).exists():
        raise ValidationError(gettext("You already have a tag with that name."))
    tag.name = name
    tag.save(update_fields=["name"])
    return tag


def tag_delete(*, tag: Tag) -> None:
    tag.delete()


def collection_create(
    *, owner: User, name: str, description: str = "", now: datetime | None = None
) -> Collection:
    name = _clean_name(name, 120)
    if Collection.objects.filter(owner=owner, name__iexact=name).exists():
        raise ValidationError(gettext("You already have a collection with that name."))
    with transaction.atomic():
        collection = Collection.objects.create(
            owner=owner,
            name=name,
            description=description.strip(),
            created_at=now or timezone.now(),
        )
        audit_record(user=owner, action="collection.created", target=collection, now=now)
    return collection


def collection_update(
    *, collection: Collection, name: str | None = None, description: str | None = None
) -> Collection:
    if name is not None:
        name = _clean_name(name, 120)
        clash = Collection.objects.filter(owner=collection.owner, name__iexact=name)
        if clash.exclude(pk=collection.pk).exists():
            raise ValidationError(gettext("You already have a collection with that name."))
        collection.name = name
    if description is not None:
        collection.description = description.strip()
    collection.save(update_fields=["name", "description"])
    return collection


def collection_delete(*, collection: Collection, now: datetime | None = None) -> None:
    """Delete the collection; the credentials in it stay in the record."""
    with transaction.atomic():
        audit_record(
            user=collection.owner,
            action="collection.deleted",
            detail={"name": collection.name},
            now=now,
        )
        collection.delete()


def _same_owner(credential: Credential, other: Tag | Collection) -> None:
    # Callers fetch both through owner-scoped selectors; this guards against a mix-up.
    if credential.owner_id != other.owner_id:
        raise ValidationError(gettext("That belongs to someone else."))


def credential_tag(*, credential: Credential, tag: Tag) -> None:
    _same_owner(credential, tag)
    credential.tags.add(tag)


def credential_untag(*, credential: Credential, tag: Tag) -> None:
    _same_owner(credential, tag)
    credential.tags.remove(tag)


def collection_add(*, collection: Collection, credential: Credential) -> None:
    _same_owner(credential, collection)
    collection.credentials.add(credential)


def collection_remove(*, collection: Collection, credential: Credential) -> None:
    _same_owner(credential, collection)
    collection.credentials.remove(credential)
