"""The API mounted as config/urls.py mounts it, for tests that run before it is wired in."""

from django.urls import include, path

urlpatterns = [path("api/", include("wallet.api_urls"))]
