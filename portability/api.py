"""Export and restore over the API: the same services as the pages, the same owner scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.http import SignedInApiRequest
from intake.archives import max_archive_bytes
from portability import clr, selectors, services
from portability.models import ExportJob
from wallet import responses


def _download(body: bytes, media_type: str, filename: str) -> HttpResponse:
    return responses.download_response(content=body, filename=filename, media_type=media_type)


class ExcludedOutput(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    reason = serializers.CharField()


class ClrBundleApi(APIView):
    """Assemble a CLR 2.0 bundle of the chosen credentials (all when none are named)."""

    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClrBundleInput"

        credential_ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, allow_empty=False
        )
        name = serializers.CharField(required=False, max_length=200)
        format = serializers.ChoiceField(choices=["json", "png"], default="json")

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ClrBundleOutput"

        document = serializers.JSONField()
        included = serializers.ListField(child=serializers.IntegerField())
        excluded = ExcludedOutput(many=True)

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, (200, "image/png"): OpenApiTypes.BINARY},
        summary="Assemble a learner-signed CLR 2.0 bundle (JSON, or baked into a PNG)",
    )
    def post(self, request: SignedInApiRequest) -> Response | HttpResponse:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        now = timezone.now()
        bundle = clr.clr_bundle_for(
            owner=request.user,
            credential_ids=values.get("credential_ids"),
            now=now,
            name=values.get("name"),
        )
        excluded = [{"id": c.pk, "title": c.title, "reason": r} for c, r in bundle.excluded]
        if not bundle.included:
            return Response(
                {
                    "detail": gettext(
                        "None of the chosen credentials can go inside a CLR 2.0 bundle."
                    ),
                    "excluded": excluded,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        if values["format"] == "png":
            filename = clr.clr_bundle_filename(now, "png")
            return _download(clr.clr_bundle_png(bundle), "image/png", filename)
        output = {
            "document": bundle.document,
            "included": [c.pk for c in bundle.included],
            "excluded": excluded,
        }
        return Response(self.OutputSerializer(output).data)


class ExportJobOutput(serializers.Serializer):
    class Meta:
        ref_name = "ExportJobOutput"

    id = serializers.IntegerField()
    status = serializers.CharField()
    encrypted = serializers.BooleanField()
    include_holder_key = serializers.BooleanField()
    total = serializers.IntegerField()
    done = serializers.IntegerField()
    message = serializers.CharField()
    # What the file holds, as the restore counts it (`ExportContents`).
    contents = serializers.DictField(child=serializers.IntegerField())
    filename = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, job: ExportJob) -> str | None:
        if not job.download_ready(timezone.now()):
            return None
        token = services.export_job_token(job)
        return reverse("portability-api:export-download", kwargs={"token": token})


class ExportListApi(APIView):
    parser_classes = [JSONParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ExportInput"

        credential_ids = serializers.ListField(
            child=serializers.IntegerField(), required=False, allow_empty=False
        )
        passphrase = serializers.CharField(
            required=False, default="", trim_whitespace=False, write_only=True
        )
        include_holder_key = serializers.BooleanField(required=False, default=False)

    @extend_schema(responses=ExportJobOutput(many=True), summary="Your latest exports")
    def get(self, request: SignedInApiRequest) -> Response:
        jobs = selectors.export_jobs(owner=request.user)
        return Response(ExportJobOutput(jobs, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={202: ExportJobOutput},
        summary="Start a full export (built in the background; poll it for the link)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        job = services.export_job_create(
            owner=request.user,
            passphrase=values["passphrase"],
            include_holder_key=values["include_holder_key"],
            credential_ids=values.get("credential_ids"),
        )
        job = selectors.access_export_job(owner=request.user, job_id=job.pk)
        return Response(ExportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


class ExportDetailApi(APIView):
    @extend_schema(responses=ExportJobOutput, summary="An export's progress and download link")
    def get(self, request: SignedInApiRequest, job_id: int) -> Response:
        job = selectors.access_export_job(owner=request.user, job_id=job_id)
        return Response(ExportJobOutput(job).data)


class ExportDownloadApi(APIView):
    @extend_schema(
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 410: None},
        summary="Download a finished export while its link lasts",
    )
    def get(self, request: SignedInApiRequest, token: str) -> HttpResponse | Response:
        try:
            job = selectors.export_download(owner=request.user, token=token, now=timezone.now())
        except selectors.ExportExpired:
            return Response(
                {"detail": gettext("This export link has expired; start a new export.")},
                status=status.HTTP_410_GONE,
            )
        media_type = "application/octet-stream" if job.encrypted else "application/zip"
        return _download(bytes(job.data), media_type, job.filename)


class RestoreApi(APIView):
    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RestoreInput"

        file = serializers.FileField()
        passphrase = serializers.CharField(required=False, default="", trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "RestoreOutput"

        restored = serializers.IntegerField()
        already = serializers.IntegerField()
        tags = serializers.IntegerField()
        collections = serializers.IntegerField()
        holder_keys = serializers.IntegerField()
        message = serializers.CharField()
        # What the file held and what of it was added, counted as its export counted it.
        in_file = serializers.DictField(child=serializers.IntegerField())
        added = serializers.DictField(child=serializers.IntegerField())

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: OutputSerializer},
        summary="Restore a Satchel export into your record (all or nothing; idempotent)",
    )
    def post(self, request: SignedInApiRequest) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            outcome = services.export_restore(
                owner=request.user,
                data=upload.read(max_archive_bytes() + 1),
                passphrase=data.validated_data["passphrase"],
            )
        except services.RestoreRefused as exc:
            raise ValidationError({"detail": [str(exc)]}) from exc
        return Response(self.OutputSerializer(_outcome(outcome)).data)


def _outcome(outcome: services.RestoreOutcome) -> dict[str, Any]:
    return {
        "restored": outcome.restored,
        "already": outcome.already,
        "tags": outcome.tags,
        "collections": outcome.collections,
        "holder_keys": outcome.holder_keys,
        "message": outcome.message,
        "in_file": outcome.in_file.as_dict(),
        "added": outcome.added.as_dict(),
    }
