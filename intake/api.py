"""The import API: the same services as the import page, the same owner scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from intake.archives import ArchiveRefused, max_archive_bytes
from intake.selectors import access_import_batch
from intake.services import arrival, zips
from wallet.models import Source
from wallet.services import store

_STATUS_CODES = {
    store.IMPORTED: status.HTTP_201_CREATED,
    store.UPDATED: status.HTTP_200_OK,
    store.DUPLICATE: status.HTTP_200_OK,
    store.FAILED: status.HTTP_400_BAD_REQUEST,
}


class OutcomeOutput(serializers.Serializer):
    status = serializers.CharField()
    message = serializers.CharField()
    credential_id = serializers.IntegerField(allow_null=True)
    credential_ids = serializers.ListField(child=serializers.IntegerField())


def _outcome_response(outcome: store.ImportOutcome) -> Response:
    data = {
        "status": outcome.status,
        "message": outcome.message,
        "credential_id": outcome.credential.pk if outcome.credential else None,
        "credential_ids": [c.pk for c in outcome.credentials],
    }
    return Response(OutcomeOutput(data).data, status=_STATUS_CODES[outcome.status])


class CredentialImportApi(APIView):
    """Import one credential: a file (multipart `file`), pasted `text` (JSON, JWT or a link),
    or a `url`."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "CredentialImportInput"

        file = serializers.FileField(required=False)
        text = serializers.CharField(required=False, trim_whitespace=False)
        url = serializers.URLField(required=False, max_length=2000)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            if len([k for k in ("file", "text", "url") if attrs.get(k)]) != 1:
                raise serializers.ValidationError("Send exactly one of file, text or url.")
            return attrs

    @extend_schema(
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={201: OutcomeOutput, 200: OutcomeOutput, 400: OutcomeOutput},
        summary="Import a credential",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("url"):
            return _outcome_response(
                arrival.credential_import_url(owner=request.user, url=values["url"])
            )
        if values.get("text"):
            outcome = arrival.credential_import(
                owner=request.user, data=values["text"].encode(), source=Source.PASTE
            )
            return _outcome_response(outcome)
        upload = values["file"]
        # Never more than one byte past the cap is read: the service refuses what is larger.
        content = upload.read(settings.SATCHEL_MAX_UPLOAD_BYTES + 1)
        outcome = arrival.credential_import(
            owner=request.user,
            data=content,
            source=Source.UPLOAD,
            filename=upload.name or "",
            media_type=upload.content_type or None,
        )
        return _outcome_response(outcome)


class ZipImportApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ZipImportInput"

        file = serializers.FileField()

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ZipImportOutput"

        batch_id = serializers.IntegerField()
        total = serializers.IntegerField()

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={202: OutputSerializer},
        summary="Import a ZIP archive of credentials (runs in the background)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > max_archive_bytes():
            raise ValidationError({"detail": ["The archive is larger than the wallet accepts."]})
        try:
            batch = zips.zip_batch_create(
                owner=request.user, data=upload.read(), filename=upload.name or ""
            )
        except ArchiveRefused as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        output = self.OutputSerializer({"batch_id": batch.pk, "total": batch.total})
        return Response(output.data, status=status.HTTP_202_ACCEPTED)


class ImportBatchApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ImportBatchOutput"

        id = serializers.IntegerField()
        filename = serializers.CharField()
        status = serializers.CharField()
        total = serializers.IntegerField()
        done = serializers.IntegerField()
        message = serializers.CharField()
        summary = serializers.JSONField()
        created_at = serializers.DateTimeField()
        finished_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(responses=OutputSerializer, summary="Progress of a ZIP import")
    def get(self, request: SignedInApiRequest, batch_id: int) -> Response:
        batch = access_import_batch(owner=request.user, batch_id=batch_id)
        return Response(self.OutputSerializer(batch).data)
