"""The API mounted as config/urls.py mounts it, for tests that run before it is wired in."""

from django.urls import include, path

from config.urls import record_api

urlpatterns = [path("api/", include(record_api))]
