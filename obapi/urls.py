"""The learner's pages (mounted under /account/) and the OAuth endpoints of the host."""

from django.urls import path

from obapi import oauth_views, views

app_name = "obapi"
urlpatterns = [
    path("account/tools/", views.tool_list, name="tools"),
    path(
        "account/tools/<int:application_id>/disconnect/",
        views.tool_disconnect,
        name="tool_disconnect",
    ),
    path("oauth/register/", oauth_views.register, name="register"),
    path("oauth/authorize/", oauth_views.authorize, name="authorize"),
]
