"""Receiving straight from issuers, included at the root by config/urls.py: /receive is the
wallet's Credential Offer Endpoint and "Add to Satchel" address."""

from django.urls import path

from intake import receive_views

app_name = "receive"
urlpatterns = [
    path("receive", receive_views.receive_start, name="start"),
    path("receive/callback", receive_views.receive_callback, name="callback"),
    path("receive/client-metadata.json", receive_views.client_metadata, name="client_metadata"),
    path("receive/<int:attempt_id>", receive_views.receive_attempt, name="attempt"),
    path("receive/<int:attempt_id>/retry", receive_views.receive_retry, name="retry"),
    path("receive/<int:attempt_id>/dismiss", receive_views.receive_dismiss, name="dismiss"),
]
