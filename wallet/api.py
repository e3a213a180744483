"""The record's JSON API: small APIViews over the same services and selectors as the pages.

Each view parses input, fetches through an owner-scoped selector (anyone else's is a 404),
calls one service and serializes. Session and token authentication (settings).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from config.serializers import many_data
from wallet import responses, selectors
from wallet.models import Credential, Verdicts
from wallet.services import organise, reverify, trash
from wallet.wording import verdict_label

# --- output shapes -----------------------------------------------------------------------


class TagOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CollectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()


class CredentialOutput(serializers.Serializer):
    """A credential as listed: what the record's list shows."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    issuer_id = serializers.CharField()
    issuer_name = serializers.CharField()
    achievement_type = serializers.CharField()
    format = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)
    verdict = serializers.CharField()
    verdict_label = serializers.SerializerMethodField()
    recipient_match = serializers.CharField()
    checked_at = serializers.DateTimeField(allow_null=True)
    has_image = serializers.BooleanField()
    parent_id = serializers.IntegerField(allow_null=True)
    tags = serializers.SerializerMethodField()
    collections = serializers.SerializerMethodField()
    deleted_at = serializers.DateTimeField(allow_null=True)

    def get_verdict_label(self, credential: Credential) -> str:
        return verdict_label(credential.verdict)

    @extend_schema_field(TagOutput(many=True))
    def get_tags(self, credential: Credential) -> list[dict[str, Any]]:
        return many_data(TagOutput(credential.tags.all(), many=True))

    @extend_schema_field(CollectionOutput(many=True))
    def get_collections(self, credential: Credential) -> list[dict[str, Any]]:
        return many_data(CollectionOutput(credential.collections.all(), many=True))


class RunOutput(serializers.Serializer):
    verdict = serializers.CharField()
    trigger = serializers.CharField()
    checked_at = serializers.DateTimeField()


class VersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sha256 = serializers.CharField()
    media_type = serializers.CharField()
    issued_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField()
    reason = serializers.CharField()


class CredentialDetailOutput(CredentialOutput):
    description = serializers.CharField()
    issuer_url = serializers.CharField()
    issuer_image_url = serializers.CharField()
    credential_id = serializers.CharField()
    awarded_at = serializers.DateTimeField(allow_null=True)
    criteria_narrative = serializers.CharField()
    criteria_url = serializers.CharField()
    evidence = serializers.JSONField()
    results = serializers.JSONField()
    alignments = serializers.JSONField()
    recipient_hint = serializers.CharField()
    verified_at = serializers.DateTimeField(allow_null=True)
    container = serializers.CharField()
    media_type = serializers.CharField()
    sha256 = serializers.CharField()
    # A declared field, which the serializer's metaclass takes off the class: Field.source,
    # the attribute the stubs see, is untouched.
    source = serializers.CharField()  # type: ignore[assignment]
    source_url = serializers.CharField()
    filename = serializers.CharField()
    created_at = serializers.DateTimeField()
    report = serializers.SerializerMethodField()
    runs = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The checks made of this credential, newest first (at most 50): each import, "
            "each check the learner asked for, and each scheduled check that found something "
            "other than the check before it. `checked_at` says when it was last checked."
        )
    )
    versions = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_report(self, credential: Credential) -> dict[str, Any] | None:
        run = selectors.credential_latest_run(credential=credential)
        return run.report if run else None

    @extend_schema_field(RunOutput(many=True))
    def get_runs(self, credential: Credential) -> list[dict[str, Any]]:
        return many_data(
            RunOutput(selectors.credential_runs(credential=credential)[:50], many=True)
        )

    @extend_schema_field(VersionOutput(many=True))
    def get_versions(self, credential: Credential) -> list[dict[str, Any]]:
        return many_data(
            VersionOutput(selectors.credential_versions(credential=credential), many=True)
        )

    @extend_schema_field(CredentialOutput(many=True))
    def get_children(self, credential: Credential) -> list[dict[str, Any]]:
        children = selectors.credential_children(credential=credential).prefetch_related(
            "tags", "collections"
        )
        return many_data(CredentialOutput(children, many=True))


def _paginated(request: Request, view: APIView, queryset: Any, serializer: Any) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True).data)


# --- credentials ------------------------------------------------------------------------


class CredentialListApi(APIView):
    class FilterInput(serializers.Serializer):
        class Meta:
            ref_name = "CredentialListFilter"

        issuer = serializers.CharField(required=False, default="")
        type = serializers.CharField(required=False, default="")
        skill = serializers.CharField(required=False, default="")
        verdict = serializers.ChoiceField(choices=Verdicts.values, required=False, default="")
        tag = serializers.IntegerField(required=False, allow_null=True, default=None)
        collection = serializers.IntegerField(required=False, allow_null=True, default=None)
        q = serializers.CharField(required=False, default="", max_length=200)
        sort = serializers.ChoiceField(choices=selectors.SORTS, required=False, default="newest")
        include_children = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        parameters=[FilterInput],
        responses=CredentialOutput(many=True),
        summary="List the record's credentials",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        filters = self.FilterInput(data=request.query_params)
        filters.is_valid(raise_exception=True)
        queryset = selectors.credential_list(
            owner=request.user, filters=selectors.CredentialFilters(**filters.validated_data)
        )
        return _paginated(request, self, queryset, CredentialOutput)


class CredentialDetailApi(APIView):
    @extend_schema(responses=CredentialDetailOutput, summary="One credential, with its report")
    def get(self, request: SignedInApiRequest, credential_id: int) -> Response:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        return Response(CredentialDetailOutput(credential).data)

    @extend_schema(responses={204: None}, summary="Move a credential to the trash")
    def delete(self, request: SignedInApiRequest, credential_id: int) -> Response:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        trash.credential_delete(credential=credential)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialRecheckApi(APIView):
    @extend_schema(request=None, responses=CredentialDetailOutput, summary="Verify again now")
    def post(self, request: SignedInApiRequest, credential_id: int) -> Response:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        reverify.credential_reverify(credential=credential)
        return Response(CredentialDetailOutput(credential).data)


class CredentialRestoreApi(APIView):
    @extend_schema(request=None, responses=CredentialDetailOutput, summary="Restore from trash")
    def post(self, request: SignedInApiRequest, credential_id: int) -> Response:
        credential = selectors.access_credential(
            owner=request.user, credential_id=credential_id, include_trashed=True
        )
        trash.credential_restore(credential=credential)
        return Response(CredentialDetailOutput(credential).data)


class CredentialImageApi(APIView):
    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY}, summary="Badge image")
    def get(self, request: SignedInApiRequest, credential_id: int) -> HttpResponse:
        image = selectors.credential_image(owner=request.user, credential_id=credential_id)
        return responses.image_response(
            content=bytes(image.content),
            media_type=image.media_type,
            name=f"credential-{credential_id}",
            cache="private, max-age=3600",
        )


class CredentialOriginalApi(APIView):
    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        summary="Download the original exactly as received",
    )
    def get(self, request: SignedInApiRequest, credential_id: int) -> HttpResponse:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        return responses.original_response(
            credential=credential, stem=f"credential-{credential.pk}"
        )


# --- trash -------------------------------------------------------------------------------


class TrashListApi(APIView):
    @extend_schema(responses=CredentialOutput(many=True), summary="Credentials in the trash")
    def get(self, request: SignedInApiRequest) -> Response:
        queryset = selectors.trash_list(owner=request.user).prefetch_related("tags", "collections")
        return _paginated(request, self, queryset, CredentialOutput)


class TrashEmptyApi(APIView):
    @extend_schema(
        request=None,
        responses=inline_serializer("TrashEmptied", {"removed": serializers.IntegerField()}),
        summary="Empty the trash for good",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        return Response({"removed": trash.trash_empty(owner=request.user)})


# --- tags and collections ----------------------------------------------------------------


class CountedTagOutput(TagOutput):
    credential_count = serializers.IntegerField()


class CountedCollectionOutput(CollectionOutput):
    credential_count = serializers.IntegerField()


class TagListApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TagListInput"

        name = serializers.CharField(max_length=60)

    @extend_schema(responses=CountedTagOutput(many=True), summary="Your tags")
    def get(self, request: SignedInApiRequest) -> Response:
        return Response(CountedTagOutput(selectors.tags(owner=request.user), many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TagOutput}, summary="Create a tag")
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = organise.tag_create(owner=request.user, name=data.validated_data["name"])
        return Response(TagOutput(tag).data, status=status.HTTP_201_CREATED)


class TagDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TagDetailInput"

        name = serializers.CharField(max_length=60)

    @extend_schema(request=InputSerializer, responses=TagOutput, summary="Rename a tag")
    def patch(self, request: SignedInApiRequest, tag_id: int) -> Response:
        tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organise.tag_rename(tag=tag, name=data.validated_data["name"])
        return Response(TagOutput(tag).data)

    @extend_schema(responses={204: None}, summary="Delete a tag (its credentials stay)")
    def delete(self, request: SignedInApiRequest, tag_id: int) -> Response:
        organise.tag_delete(tag=selectors.access_tag(owner=request.user, tag_id=tag_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CredentialTagApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Tag a credential")
    def put(self, request: SignedInApiRequest, credential_id: int, tag_id: int) -> Response:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
        organise.credential_tag(credential=credential, tag=tag)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None}, summary="Untag a credential")
    def delete(self, request: SignedInApiRequest, credential_id: int, tag_id: int) -> Response:
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        tag = selectors.access_tag(owner=request.user, tag_id=tag_id)
        organise.credential_untag(credential=credential, tag=tag)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionListApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CollectionListInput"

        name = serializers.CharField(max_length=120)
        description = serializers.CharField(required=False, default="", allow_blank=True)

    @extend_schema(responses=CountedCollectionOutput(many=True), summary="Your collections")
    def get(self, request: SignedInApiRequest) -> Response:
        rows = selectors.collections(owner=request.user)
        return Response(CountedCollectionOutput(rows, many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: CollectionOutput}, summary="Create a collection"
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        collection = organise.collection_create(owner=request.user, **data.validated_data)
        return Response(CollectionOutput(collection).data, status=status.HTTP_201_CREATED)


class CollectionDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CollectionDetailInput"

        name = serializers.CharField(max_length=120, required=False)
        description = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer, responses=CollectionOutput, summary="Rename or describe"
    )
    def patch(self, request: SignedInApiRequest, collection_id: int) -> Response:
        collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organise.collection_update(collection=collection, **data.validated_data)
        return Response(CollectionOutput(collection).data)

    @extend_schema(responses={204: None}, summary="Delete a collection (its credentials stay)")
    def delete(self, request: SignedInApiRequest, collection_id: int) -> Response:
        collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
        organise.collection_delete(collection=collection)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionCredentialApi(APIView):
    @extend_schema(request=None, responses={204: None}, summary="Add to a collection")
    def put(self, request: SignedInApiRequest, collection_id: int, credential_id: int) -> Response:
        collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        organise.collection_add(collection=collection, credential=credential)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={204: None}, summary="Remove from a collection")
    def delete(
        self, request: SignedInApiRequest, collection_id: int, credential_id: int
    ) -> Response:
        collection = selectors.access_collection(owner=request.user, collection_id=collection_id)
        credential = selectors.access_credential(owner=request.user, credential_id=credential_id)
        organise.collection_remove(collection=collection, credential=credential)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SkillsApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "SkillsOutput"

        name = serializers.CharField()
        url = serializers.CharField()
        code = serializers.CharField()
        framework = serializers.CharField()
        type = serializers.CharField()
        count = serializers.IntegerField()
        credential_ids = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(
        responses=OutputSerializer(many=True),
        summary="Skills across the record",
    )
    def get(self, request: SignedInApiRequest) -> Response:
        rows = selectors.skills_summary(owner=request.user)
        return Response(self.OutputSerializer(rows, many=True).data)
