"""The receiving API: the same flow as the /receive pages, the same owner scope.

`POST /api/receive/` opens a link (and answers with the pending consent: who offers what,
bound to which identifier, whether a transaction code is needed); `POST /api/receive/{id}/accept`
consents (with the transaction code, and the credentials picked for an exchange's
QueryByExample); `POST /api/receive/{id}/decline` refuses; `GET /api/receive/{id}` reads it."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from accounts.models import User
from intake.models import ReceiveAttempt
from intake.services import receiving
from wallet.wording import stored_message


class AttemptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    protocol = serializers.CharField()
    state = serializers.CharField()
    issuer = serializers.DictField()
    offered = serializers.ListField(child=serializers.DictField())
    holder = serializers.CharField(allow_blank=True)
    tx_code = serializers.DictField(allow_null=True)
    sign_in = serializers.BooleanField()
    did_authentication = serializers.BooleanField()
    queries = serializers.ListField(child=serializers.DictField())
    stored = serializers.ListField(child=serializers.DictField())
    error = serializers.CharField(allow_blank=True)
    error_kind = serializers.CharField(allow_blank=True)
    go_to = serializers.CharField(allow_blank=True)


def attempt_data(owner: User, attempt: ReceiveAttempt, go_to: str = "") -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": attempt.pk,
        "protocol": attempt.protocol,
        "state": attempt.state,
        "issuer": {
            "name": attempt.issuer_name,
            "origin": attempt.issuer_origin,
            "request_origin": attempt.request_origin,
        },
        "offered": attempt.offered,
        "holder": "",
        "tx_code": None,
        "sign_in": False,
        "did_authentication": False,
        "queries": [],
        "stored": attempt.stored,
        "error": stored_message(attempt.error, attempt.error_i18n),
        "error_kind": attempt.error_kind,
        "go_to": go_to,
    }
    if attempt.state == ReceiveAttempt.State.PENDING:
        consent = receiving.consent_for(owner=owner, attempt=attempt)
        data |= {
            "holder": consent.holder,
            "tx_code": consent.tx_code,
            "sign_in": consent.sign_in,
            "did_authentication": consent.did_authentication,
            "queries": [
                {
                    "label": q["label"],
                    "reason": q["reason"],
                    "matches": [c.pk for c in q["credentials"]],
                }
                for q in consent.queries
            ],
        }
    return data


def _answer(owner: User, attempt: ReceiveAttempt, go_to: str = "", code: int = 200) -> Response:
    if attempt.state == ReceiveAttempt.State.FAILED and code < 400:
        code = status.HTTP_400_BAD_REQUEST
    return Response(AttemptOutput(attempt_data(owner, attempt, go_to)).data, status=code)


class ReceiveOpenApi(APIView):
    """Open an issuer's link: the answer is the pending consent (or why it failed)."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReceiveOpenInput"

        link = serializers.CharField(max_length=8192)

    @extend_schema(
        request=InputSerializer,
        responses={201: AttemptOutput, 400: AttemptOutput},
        summary="Open an issuer's offer or exchange",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            attempt = receiving.receive_open(
                owner=request.user, link=data.validated_data["link"], now=_now()
            )
        except receiving.ReceiveError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return _answer(request.user, attempt, code=status.HTTP_201_CREATED)


class ReceiveAttemptApi(APIView):
    @extend_schema(responses={200: AttemptOutput}, summary="Read a receive attempt")
    def get(self, request: SignedInApiRequest, attempt_id: int) -> Response:
        attempt = receiving.access_receive_attempt(owner=request.user, attempt_id=attempt_id)
        return Response(AttemptOutput(attempt_data(request.user, attempt)).data)


class ReceiveAcceptApi(APIView):
    """Consent: the protocol runs, and what arrives is verified and stored."""

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ReceiveAcceptInput"

        tx_code = serializers.CharField(required=False, allow_blank=True, max_length=64)
        picks = serializers.ListField(child=serializers.IntegerField(), required=False)
        redirect_uri = serializers.URLField(required=False, max_length=2000)

    @extend_schema(
        request=InputSerializer,
        responses={200: AttemptOutput, 400: AttemptOutput},
        summary="Accept an offer",
    )
    def post(self, request: SignedInApiRequest, attempt_id: int) -> Response:
        attempt = receiving.access_receive_attempt(owner=request.user, attempt_id=attempt_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            progress = receiving.receive_accept(
                owner=request.user,
                attempt=attempt,
                now=_now(),
                tx_code=values.get("tx_code", ""),
                picks=values.get("picks", []),
                redirect_uri=values.get("redirect_uri")
                or request.build_absolute_uri(reverse("receive:callback")),
            )
        except receiving.ReceiveError as exc:
            attempt.refresh_from_db()
            response = _answer(request.user, attempt, code=status.HTTP_400_BAD_REQUEST)
            response.data = {**response.data, "error": str(exc)}
            return response
        return _answer(request.user, progress.attempt, progress.go_to)


class ReceiveDeclineApi(APIView):
    @extend_schema(request=None, responses={200: AttemptOutput}, summary="Decline an offer")
    def post(self, request: SignedInApiRequest, attempt_id: int) -> Response:
        attempt = receiving.access_receive_attempt(owner=request.user, attempt_id=attempt_id)
        try:
            receiving.receive_decline(owner=request.user, attempt=attempt, now=_now())
        except receiving.ReceiveError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return _answer(request.user, attempt)


def _now() -> Any:
    return timezone.now()
