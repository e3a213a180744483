"""Employer request links and the public verifier, included at the root by config/urls.py."""

from django.urls import path

from sharing import request_views

app_name = "requests"
urlpatterns = [
    path("request", request_views.request_form, name="form"),
    path("request/results/<str:token>", request_views.request_results, name="results"),
    path("request/<str:token>", request_views.request_page, name="page"),
]
