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
    path("export/download/<str:token>/", views.export_download, name="export_download"),
    path("restore/", views.restore, name="restore"),
]
