"""The 1EdTech REST endpoints, at the paths the specifications fix: /ims/ob/v3p0/... and
/ims/clr/v2p0/... (OB 3.0 section 6; CLR 2.0 section 6)."""

from django.urls import path

from obapi import api_views
from obapi.apis import APIS

app_name = "obapi-api"
urlpatterns = [
    route
    for spec in APIS.values()
    for route in (
        path(
            spec.base_path.lstrip("/") + "/discovery",
            api_views.discovery,
            {"api": spec.key},
            name=f"{spec.key}-discovery",
        ),
        path(
            spec.base_path.lstrip("/") + "/credentials",
            api_views.credentials,
            {"api": spec.key},
            name=f"{spec.key}-credentials",
        ),
        path(
            spec.base_path.lstrip("/") + "/profile",
            api_views.profile,
            {"api": spec.key},
            name=f"{spec.key}-profile",
        ),
    )
]
