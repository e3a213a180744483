"""Employer request links and the public verifier, included at the root by config/urls.py."""

from django.urls import path

from sharing import request_views, verify_views

app_name = "public"
urlpatterns = [
    path("request", request_views.request_form, name="request_form"),
    path("request/results/<str:token>", request_views.request_results, name="request_results"),
    path("request/<str:token>", request_views.request_page, name="request_page"),
    path("verify", verify_views.verify_page, name="verify"),
]
