"""The account API, included at /api/account/ by config/urls.py."""

from django.urls import path

from accounts import api

app_name = "accounts-api"
urlpatterns = [
    path("", api.AccountApi.as_view(), name="account"),
    path("delete/", api.AccountDeleteApi.as_view(), name="account-delete"),
]
