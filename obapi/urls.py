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
    path("account/badge-platforms/", views.host_list, name="hosts"),
    path("account/badge-platforms/callback/", views.host_callback, name="host_callback"),
    path("account/badge-platforms/<int:host_id>/sync/", views.host_sync, name="host_sync"),
    path(
        "account/badge-platforms/<int:host_id>/disconnect/",
        views.host_disconnect,
        name="host_disconnect",
    ),
    path("oauth/register/", oauth_views.register, name="register"),
    path("oauth/authorize/", oauth_views.authorize, name="authorize"),
]
