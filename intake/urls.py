"""The import pages. config/urls.py mounts them under the `wallet:` namespace, the names
they had before they moved here (issue 11), beside the record's pages."""

from django.urls import path

from intake import views

urlpatterns = [
    path("import/", views.import_page, name="import"),
    path("import/upload/", views.import_upload, name="import_upload"),
    path("import/results/", views.import_results, name="import_results"),
    path("import/paste/", views.import_paste, name="import_paste"),
    path("import/url/", views.import_url, name="import_url"),
    path("import/batches/<int:batch_id>/", views.import_batch, name="import_batch"),
    path(
        "import/batches/<int:batch_id>/status/",
        views.import_batch_status,
        name="import_batch_status",
    ),
    path(
        "credentials/<int:credential_id>/refresh/",
        views.credential_refresh,
        name="credential_refresh",
    ),
]
