"""Export and restore API, included under /api/ by config/urls.py."""

from django.urls import path

from portability import api

app_name = "portability-api"
urlpatterns = [
    path("export/clr/", api.ClrBundleApi.as_view(), name="clr-bundle"),
    path("exports/", api.ExportListApi.as_view(), name="export-list"),
    path("exports/<int:job_id>/", api.ExportDetailApi.as_view(), name="export-detail"),
    path("exports/download/<str:token>/", api.ExportDownloadApi.as_view(), name="export-download"),
    path("restore/", api.RestoreApi.as_view(), name="restore"),
]
