"""The record's pages. config/urls.py mounts them with intake's under the `wallet:`
namespace."""

from django.urls import path

from wallet import views

urlpatterns = [
    path("", views.record, name="record"),
    path("timeline/", views.timeline, name="timeline"),
    path("skills/", views.skills, name="skills"),
    path("skills/look-up/", views.skills_lookup, name="skills_lookup"),
    path("notices/<int:notice_id>/dismiss/", views.notice_dismiss, name="notice_dismiss"),
    path("credentials/<int:credential_id>/", views.credential_detail, name="credential"),
    path(
        "credentials/<int:credential_id>/image/",
        views.credential_image,
        name="credential_image",
    ),
    path(
        "credentials/<int:credential_id>/original/",
        views.credential_original,
        name="credential_original",
    ),
    path(
        "credentials/<int:credential_id>/check/",
        views.credential_check,
        name="credential_check",
    ),
    path(
        "credentials/<int:credential_id>/delete/",
        views.credential_delete,
        name="credential_delete",
    ),
    path(
        "credentials/<int:credential_id>/restore/",
        views.credential_restore,
        name="credential_restore",
    ),
    path(
        "credentials/<int:credential_id>/tags/",
        views.credential_tag_add,
        name="credential_tag_add",
    ),
    path(
        "credentials/<int:credential_id>/tags/<int:tag_id>/remove/",
        views.credential_tag_remove,
        name="credential_tag_remove",
    ),
    path(
        "credentials/<int:credential_id>/collections/",
        views.credential_collection_add,
        name="credential_collection_add",
    ),
    path(
        "credentials/<int:credential_id>/collections/<int:collection_id>/remove/",
        views.credential_collection_remove,
        name="credential_collection_remove",
    ),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:tag_id>/rename/", views.tag_rename, name="tag_rename"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("collections/", views.collection_list, name="collections"),
    path(
        "collections/<int:collection_id>/update/",
        views.collection_update,
        name="collection_update",
    ),
    path(
        "collections/<int:collection_id>/delete/",
        views.collection_delete,
        name="collection_delete",
    ),
    path("trash/", views.trash_page, name="trash"),
    path("trash/empty/", views.trash_empty, name="trash_empty"),
]
