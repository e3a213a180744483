"""The import API: the same services as the import page, the same owner scope."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_lazy, ngettext
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from intake.archives import ArchiveRefused
from intake.models import ImportBatch
from intake.selectors import access_import_batch
from intake.services import arrival, uploads
from wallet.models import Source
from wallet.services import store

# A ZIP archive's outcome: accepted, its files imported by a task.
BATCH = "batch"
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
    batch_id = serializers.IntegerField(
        allow_null=True,
        help_text=gettext_lazy(
            "A ZIP archive is imported in the background: follow its progress at "
            "/api/imports/{batch_id}/."
        ),
    )


def _outcome_response(outcome: store.ImportOutcome) -> Response:
    data = {
        "status": outcome.status,
        "message": outcome.message,
        "credential_id": outcome.credential.pk if outcome.credential else None,
        "credential_ids": [c.pk for c in outcome.credentials],
        "batch_id": None,
    }
    return Response(OutcomeOutput(data).data, status=_STATUS_CODES[outcome.status])


def _batch_response(batch: ImportBatch) -> Response:
    data: dict[str, Any] = {
        "status": BATCH,
        "message": ngettext(
            "An archive of %(count)s file: importing in the background.",
            "An archive of %(count)s files: importing in the background.",
            batch.total,
        )
        % {"count": batch.total},
        "credential_id": None,
        "credential_ids": [],
        "batch_id": batch.pk,
    }
    return Response(OutcomeOutput(data).data, status=status.HTTP_202_ACCEPTED)


class CredentialImportApi(APIView):
    """Import what the import page takes: a file (multipart `file`; a ZIP archive of many is
    accepted with 202 and imported in the background), pasted `text` (JSON, JWT or a link),
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
                raise serializers.ValidationError(gettext("Send exactly one of file, text or url."))
            return attrs

    @extend_schema(
        request={
            "multipart/form-data": InputSerializer,
            "application/json": InputSerializer,
        },
        responses={201: OutcomeOutput, 200: OutcomeOutput, 202: OutcomeOutput, 400: OutcomeOutput},
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
        try:
            result = uploads.upload_import(owner=request.user, upload=upload)
        except ArchiveRefused as exc:
            return _outcome_response(store.ImportOutcome(store.FAILED, None, str(exc)))
        if isinstance(result, ImportBatch):
            return _batch_response(result)
        return _outcome_response(result)


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
        try:
            batch = uploads.archive_upload_import(
                owner=request.user, upload=data.validated_data["file"]
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
