"""The account API (/api/account/): what deleting removes, and the deletion itself.

Deletion is the same service the account page calls; like the page, it offers the export
first and asks for the current password, because nothing can be recovered afterwards.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.services import account_delete

_EXPORT_FIRST = (
    "Deleting cannot be undone: it removes every credential, collection, share link (and its "
    "access log), holder key and email address. Export first: POST /api/exports/ starts a "
    "full export, and GET /api/exports/{job_id}/ gives its download link when it is ready."
)
_SET_ONE_FIRST = (
    "This account has no password yet: set one on the account page first, then confirm the "
    "deletion with it."
)


class AccountOutput(serializers.Serializer):
    class Meta:
        ref_name = "Account"

    email = serializers.EmailField()
    has_password = serializers.BooleanField()
    export_url = serializers.CharField(help_text="Call this first to keep a copy of the record.")
    notice = serializers.CharField()


class AccountApi(APIView):
    @extend_schema(
        responses=AccountOutput,
        summary="Your account, and where to export before deleting it",
        description=_EXPORT_FIRST,
    )
    def get(self, request: Request) -> Response:
        user = request.user
        body = {
            "email": user.email,
            "has_password": user.has_usable_password(),
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

        password = serializers.CharField(write_only=True, trim_whitespace=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            204: OpenApiResponse(description="The account and everything in it are deleted."),
            400: OpenApiResponse(description="The password is missing or not correct."),
        },
        summary="Delete your account and everything in it (export first: /api/exports/)",
        description=_EXPORT_FIRST,
    )
    def post(self, request: Request) -> Response:
        user = request.user
        if not user.has_usable_password():
            raise ValidationError({"password": [_SET_ONE_FIRST]})
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if not user.check_password(data.validated_data["password"]):
            raise ValidationError({"password": ["That password is not correct."]})
        # A session would otherwise outlive the user it names.
        logout(request._request)
        account_delete(user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)
