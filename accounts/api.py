"""The account API (/api/account/): what deleting removes, and the deletion itself.

Deletion is the same flow the account page calls; like the page, it offers the export first
and asks for the current password (and, with two-factor sign-in on, a code), because nothing
can be recovered afterwards.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.flows import (
    DeletionRefused,
    DeletionThrottled,
    account_delete_confirmed,
    deletion_needs_second_factor,
)
from accounts.http import SignedInApiRequest

_EXPORT_FIRST = (
    "Deleting cannot be undone: it removes every credential, collection, share link (and its "
    "access log), holder key and email address. Export first: POST /api/exports/ starts a "
    "full export, and GET /api/exports/{job_id}/ gives its download link when it is ready."
)


class AccountOutput(serializers.Serializer):
    class Meta:
        ref_name = "Account"

    email = serializers.EmailField()
    has_password = serializers.BooleanField()
    second_factor_required = serializers.BooleanField(
        help_text=gettext_lazy(
            "Deleting the account also needs a code (authenticator app or recovery code)."
        )
    )
    export_url = serializers.CharField(
        help_text=gettext_lazy("Call this first to keep a copy of the record.")
    )
    notice = serializers.CharField()


class AccountApi(APIView):
    @extend_schema(
        responses=AccountOutput,
        summary="Your account, and where to export before deleting it",
        description=_EXPORT_FIRST,
    )
    def get(self, request: SignedInApiRequest) -> Response:
        user = request.user
        body = {
            "email": user.email,
            "has_password": user.has_usable_password(),
            "second_factor_required": deletion_needs_second_factor(user=user),
            "export_url": reverse("portability-api:export-list"),
            "notice": _EXPORT_FIRST,
        }
        return Response(AccountOutput(body).data)


class AccountDeleteApi(APIView):
    """A POST rather than a DELETE: the password travels in a body every client sends."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "AccountDeleteInput"

        password = serializers.CharField(
            write_only=True, required=False, allow_blank=True, trim_whitespace=False
        )
        code = serializers.CharField(
            write_only=True,
            required=False,
            allow_blank=True,
            help_text=gettext_lazy(
                "With two-factor sign-in on: a code from the authenticator app, or a recovery code."
            ),
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="The account and everything in it are deleted."),
            400: OpenApiResponse(description="The password (or code) is missing or not correct."),
            429: OpenApiResponse(description="Too many attempts: wait a few minutes."),
        },
        summary="Delete your account and everything in it (export first: /api/exports/)",
        description=_EXPORT_FIRST,
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            account_delete_confirmed(
                request=request._request,
                user=request.user,
                password=data.validated_data.get("password", ""),
                code=data.validated_data.get("code", ""),
            )
        except DeletionRefused as refused:
            raise ValidationError(
                {field or "non_field_errors": errors for field, errors in refused.errors.items()}
            ) from None
        except DeletionThrottled as throttled:
            raise Throttled(detail=str(throttled)) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
