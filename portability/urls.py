"""Export and restore pages, included at the site root by config/urls.py."""

from django.urls import path

from portability import views

app_name = "portability"
urlpatterns = [
    path("export/", views.export_page, name="export"),
    path("export/clr/", views.clr_bundle, name="clr_bundle"),
    path("export/resume/", views.resume, name="resume"),
    path("export/full/", views.export_create, name="export_create"),
    path("export/jobs/<int:job_id>/", views.export_job, name="export_job"),
    path("export/jobs/<int:job_id>/status/", views.export_job_status, name="export_job_status"),
    path("export/download/<str:token>/", views.export_download, name="export_download"),
    path("restore/", views.restore, name="restore"),
    path("restore/jobs/<int:job_id>/", views.restore_job, name="restore_job"),
    path("restore/jobs/<int:job_id>/status/", views.restore_job_status, name="restore_job_status"),
]
