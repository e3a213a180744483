"""Presenting on request and the learner's history, included at the root by config/urls.py."""

from django.urls import path

from sharing import history_views, present_views

app_name = "present"
urlpatterns = [
    path("present", present_views.present_start, name="start"),
    path("present/<int:request_id>", present_views.present_consent, name="consent"),
    path("shares/history/", history_views.history, name="history"),
    path("shares/history/export.<str:kind>", history_views.history_export, name="history_export"),
]
