"""The share links API, included at /api/shares/ by config/urls.py."""

from django.urls import path

from sharing import api

app_name = "sharing-api"
urlpatterns = [
    path("", api.ShareListApi.as_view(), name="share-list"),
    path("<int:share_id>/", api.ShareDetailApi.as_view(), name="share-detail"),
    path("<int:share_id>/revoke/", api.ShareRevokeApi.as_view(), name="share-revoke"),
    path("<int:share_id>/extend/", api.ShareExtendApi.as_view(), name="share-extend"),
    path("<int:share_id>/views/", api.ShareViewsApi.as_view(), name="share-views"),
    path("<int:share_id>/qr.svg", api.ShareQrSvgApi.as_view(), name="share-qr-svg"),
    path("<int:share_id>/qr.png", api.ShareQrPngApi.as_view(), name="share-qr-png"),
]
