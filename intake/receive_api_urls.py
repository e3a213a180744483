"""The receiving API, mounted by config/urls.py under /api/receive/."""

from django.urls import path

from intake import receive_api

app_name = "receive-api"
urlpatterns = [
    path("", receive_api.ReceiveOpenApi.as_view(), name="open"),
    path("<int:attempt_id>", receive_api.ReceiveAttemptApi.as_view(), name="attempt"),
    path("<int:attempt_id>/accept", receive_api.ReceiveAcceptApi.as_view(), name="accept"),
    path("<int:attempt_id>/decline", receive_api.ReceiveDeclineApi.as_view(), name="decline"),
]
