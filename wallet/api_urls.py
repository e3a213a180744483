"""The record's API. config/urls.py mounts it under /api/ with intake's, in the
`wallet-api:` namespace."""

from django.urls import path

from wallet import api

urlpatterns = [
    path("credentials/", api.CredentialListApi.as_view(), name="credential-list"),
    path(
        "credentials/<int:credential_id>/",
        api.CredentialDetailApi.as_view(),
        name="credential-detail",
    ),
    path(
        "credentials/<int:credential_id>/recheck/",
        api.CredentialRecheckApi.as_view(),
        name="credential-recheck",
    ),
    path(
        "credentials/<int:credential_id>/restore/",
        api.CredentialRestoreApi.as_view(),
        name="credential-restore",
    ),
    path(
        "credentials/<int:credential_id>/image/",
        api.CredentialImageApi.as_view(),
        name="credential-image",
    ),
    path(
        "credentials/<int:credential_id>/original/",
        api.CredentialOriginalApi.as_view(),
        name="credential-original",
    ),
    path(
        "credentials/<int:credential_id>/tags/<int:tag_id>/",
        api.CredentialTagApi.as_view(),
        name="credential-tag",
    ),
    path("trash/", api.TrashListApi.as_view(), name="trash-list"),
    path("trash/empty/", api.TrashEmptyApi.as_view(), name="trash-empty"),
    path("tags/", api.TagListApi.as_view(), name="tag-list"),
    path("tags/<int:tag_id>/", api.TagDetailApi.as_view(), name="tag-detail"),
    path("collections/", api.CollectionListApi.as_view(), name="collection-list"),
    path(
        "collections/<int:collection_id>/",
        api.CollectionDetailApi.as_view(),
        name="collection-detail",
    ),
    path(
        "collections/<int:collection_id>/credentials/<int:credential_id>/",
        api.CollectionCredentialApi.as_view(),
        name="collection-credential",
    ),
    path("skills/", api.SkillsApi.as_view(), name="skills"),
]
