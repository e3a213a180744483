"""Only the export and restore API, as config/urls.py mounts it: for the schema test."""

from django.urls import include, path

urlpatterns = [path("api/", include("portability.api_urls"))]
