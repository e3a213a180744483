"""The share links API (/api/shares/): small APIViews over the same services as the pages.

Every link is read through `access_share` with the signed-in owner: anyone else's is a 404.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from config.serializers import many_data
from sharing import qr, selectors, services
from sharing.models import ShareLink
from wallet import disclosable, responses
from wallet.images import PNG_MEDIA_TYPE, SVG_MEDIA_TYPE

_EXPIRY_CHOICES = [key for key, _label, _lifetime in services.EXPIRY_PRESETS] + [
    services.NO_EXPIRY_PRESET
]


# --- output shapes -----------------------------------------------------------------------


class SharedCredentialOutput(serializers.Serializer):
    class Meta:
        ref_name = "SharedCredential"

    id = serializers.IntegerField()
    title = serializers.CharField()
    issuer_name = serializers.CharField()
    format = serializers.CharField()
    verdict = serializers.CharField()


class ShareOutput(serializers.Serializer):
    class Meta:
        ref_name = "Share"

    id = serializers.IntegerField()
    audience = serializers.CharField()
    display_name = serializers.CharField()
    url = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    max_views = serializers.IntegerField(allow_null=True)
    view_count = serializers.IntegerField()
    views_left = serializers.IntegerField(allow_null=True)
    collection_id = serializers.IntegerField(allow_null=True)
    follow_collection = serializers.BooleanField()

    def get_url(self, share: ShareLink) -> str:
        return services.share_url(share)

    def get_state(self, share: ShareLink) -> str:
        return share.state(timezone.now()).value


class ShareDetailOutput(ShareOutput):
    class Meta:
        ref_name = "ShareDetail"

    challenge = serializers.CharField()
    credentials = serializers.SerializerMethodField()

    @extend_schema_field(SharedCredentialOutput(many=True))
    def get_credentials(self, share: ShareLink) -> list[dict[str, Any]]:
        shown = selectors.share_credentials(share=share)
        return many_data(SharedCredentialOutput(shown, many=True))


class ShareViewOutput(serializers.Serializer):
    class Meta:
        ref_name = "ShareView"

    viewed_at = serializers.DateTimeField()
    kind = serializers.CharField()
    browser = serializers.CharField()
    os = serializers.CharField()


def _expiry(values: dict[str, Any]) -> tuple[timedelta | None, bool]:
    days = values.get("expires_in_days")
    preset = values.get("expiry")
    if days is not None and preset:
        raise ValidationError({"detail": ["Send either expiry or expires_in_days, not both."]})
    if days is not None:
        return timedelta(days=days), False
    return services.expiry_preset(preset or "30d")


class ExpiryFields(serializers.Serializer):
    expiry = serializers.ChoiceField(
        choices=_EXPIRY_CHOICES,
        required=False,
        help_text=gettext_lazy('A preset, or "never" (no expiry).'),
    )
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=366)


# --- views ---------------------------------------------------------------------------------


class DisclosureInput(serializers.Serializer):
    """For an SD-JWT VC or an ecdsa-sd-2023 base proof: the claims the link reveals, each a
    claim path (member names and array indices), as the credential's page lists them."""

    class Meta:
        ref_name = "ShareDisclosureInput"

    credential_id = serializers.IntegerField()
    claims = serializers.ListField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=16),
        max_length=200,
    )

    def validate_claims(self, value: list[list[Any]]) -> list[tuple[str | int, ...]]:
        paths = [disclosable.parse_choice(json.dumps(path)) for path in value]
        if any(path is None for path in paths):
            raise serializers.ValidationError(gettext("Each claim is a path of names and indices."))
        return [path for path in paths if path is not None]


class ShareListApi(APIView):
    class InputSerializer(ExpiryFields):
        class Meta:
            ref_name = "ShareCreateInput"

        audience = serializers.CharField(max_length=services.AUDIENCE_MAX)
        credential_ids = serializers.ListField(
            child=serializers.IntegerField(),
            required=False,
            default=list,
            max_length=services.MAX_SHARED_CREDENTIALS,
        )
        collection_id = serializers.IntegerField(required=False, allow_null=True, default=None)
        follow_collection = serializers.BooleanField(required=False, default=False)
        max_views = serializers.IntegerField(
            required=False, allow_null=True, default=None, min_value=1
        )
        display_name = serializers.CharField(
            required=False, default="", allow_blank=True, max_length=services.DISPLAY_NAME_MAX
        )
        disclosures = DisclosureInput(many=True, required=False, default=list)

    @extend_schema(responses=ShareOutput(many=True), summary="List your share links")
    def get(self, request: SignedInApiRequest) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.share_list(owner=request.user), request, view=self
        )
        return paginator.get_paginated_response(ShareOutput(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ShareDetailOutput},
        summary="Share credentials (or a collection) with a link",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        expires_in, no_expiry = _expiry(values)
        share, _token = services.share_create(
            owner=request.user,
            audience=values["audience"],
            credential_ids=values["credential_ids"],
            collection_id=values["collection_id"],
            follow_collection=values["follow_collection"],
            expires_in=expires_in,
            no_expiry=no_expiry,
            max_views=values["max_views"],
            display_name=values["display_name"],
            disclosures={d["credential_id"]: d["claims"] for d in values["disclosures"]},
        )
        return Response(ShareDetailOutput(share).data, status=status.HTTP_201_CREATED)


class ShareDetailApi(APIView):
    class RenameInput(serializers.Serializer):
        class Meta:
            ref_name = "ShareRenameInput"

        audience = serializers.CharField(max_length=services.AUDIENCE_MAX)
        display_name = serializers.CharField(
            required=False, allow_blank=True, max_length=services.DISPLAY_NAME_MAX
        )

    @extend_schema(responses=ShareDetailOutput, summary="One share link")
    def get(self, request: SignedInApiRequest, share_id: int) -> Response:
        share = selectors.access_share(owner=request.user, share_id=share_id)
        return Response(ShareDetailOutput(share).data)

    @extend_schema(request=RenameInput, responses=ShareDetailOutput, summary="Rename a share link")
    def patch(self, request: SignedInApiRequest, share_id: int) -> Response:
        selectors.access_share(owner=request.user, share_id=share_id)
        data = self.RenameInput(data=request.data)
        data.is_valid(raise_exception=True)
        share = services.share_rename(
            owner=request.user,
            share_id=share_id,
            audience=data.validated_data["audience"],
            display_name=data.validated_data.get("display_name"),
        )
        return Response(ShareDetailOutput(share).data)


class ShareRevokeApi(APIView):
    @extend_schema(request=None, responses=ShareDetailOutput, summary="End a link now")
    def post(self, request: SignedInApiRequest, share_id: int) -> Response:
        share = services.share_revoke(owner=request.user, share_id=share_id)
        return Response(ShareDetailOutput(share).data)


class ShareExtendApi(APIView):
    class InputSerializer(ExpiryFields):
        class Meta:
            ref_name = "ShareExtendInput"

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if not attrs.get("expiry") and attrs.get("expires_in_days") is None:
                raise serializers.ValidationError(gettext("Send expiry or expires_in_days."))
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses=ShareDetailOutput,
        summary="Set a new expiry, counted from now",
    )
    def post(self, request: SignedInApiRequest, share_id: int) -> Response:
        selectors.access_share(owner=request.user, share_id=share_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expires_in, no_expiry = _expiry(data.validated_data)
        share = services.share_extend(
            owner=request.user, share_id=share_id, expires_in=expires_in, no_expiry=no_expiry
        )
        return Response(ShareDetailOutput(share).data)


class ShareViewsApi(APIView):
    @extend_schema(responses=ShareViewOutput(many=True), summary="Who opened the link, when")
    def get(self, request: SignedInApiRequest, share_id: int) -> Response:
        share = selectors.access_share(owner=request.user, share_id=share_id)
        return Response(ShareViewOutput(selectors.share_views(share=share), many=True).data)


class _ImageRenderer(BaseRenderer):
    """Lets a client that accepts only the image type get it (errors still come as JSON)."""

    charset = None
    format = "image"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        return JSONRenderer().render(data, "application/json", renderer_context)


class _SvgRenderer(_ImageRenderer):
    media_type = "image/svg+xml"


class _PngRenderer(_ImageRenderer):
    media_type = "image/png"


class ShareQrSvgApi(APIView):
    renderer_classes = [JSONRenderer, _SvgRenderer]

    @extend_schema(responses={(200, "image/svg+xml"): OpenApiTypes.BINARY}, summary="QR code (SVG)")
    def get(self, request: SignedInApiRequest, share_id: int) -> HttpResponse:
        share = selectors.access_share(owner=request.user, share_id=share_id)
        return responses.image_response(
            content=qr.qr_svg(services.share_url(share)),
            media_type=SVG_MEDIA_TYPE,
            name=f"share-{share.pk}-qr",
        )


class ShareQrPngApi(APIView):
    renderer_classes = [JSONRenderer, _PngRenderer]

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY}, summary="QR code (PNG)")
    def get(self, request: SignedInApiRequest, share_id: int) -> HttpResponse:
        share = selectors.access_share(owner=request.user, share_id=share_id)
        return responses.image_response(
            content=qr.qr_png(services.share_url(share)),
            media_type=PNG_MEDIA_TYPE,
            name=f"share-{share.pk}-qr",
        )
