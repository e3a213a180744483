"""The import API. config/urls.py mounts it under /api/ in the `wallet-api:` namespace, the
names it had before it moved here (issue 11), beside the record's API."""

from django.urls import path

from intake import api

urlpatterns = [
    path("credentials/import/", api.CredentialImportApi.as_view(), name="credential-import"),
    path("credentials/import-zip/", api.ZipImportApi.as_view(), name="credential-import-zip"),
    path("imports/<int:batch_id>/", api.ImportBatchApi.as_view(), name="import-batch"),
]
