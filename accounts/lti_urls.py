"""The LTI 1.3 tool's addresses, mounted at /lti/ by config/urls.py."""

from django.urls import path

from accounts import lti_views

app_name = "lti"
urlpatterns = [
    path("login/", lti_views.lti_login, name="login"),
    path("launch/", lti_views.lti_launch, name="launch"),
    path("link/", lti_views.lti_link, name="link"),
    path("jwks/", lti_views.lti_jwks, name="jwks"),
    path("register/", lti_views.lti_register, name="register"),
]
