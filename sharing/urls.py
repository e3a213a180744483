from django.urls import path

from sharing import views

app_name = "shares"
urlpatterns = [
    path("", views.share_list, name="list"),
    path("new/", views.share_create, name="create"),
    path("<int:share_id>/", views.share_detail, name="detail"),
    path("<int:share_id>/card/", views.share_card, name="card"),
    path("<int:share_id>/qr.svg", views.share_qr_svg, name="qr_svg"),
    path("<int:share_id>/qr.png", views.share_qr_png, name="qr_png"),
    path("<int:share_id>/pdf/", views.share_pdf, name="pdf"),
    path("<int:share_id>/revoke/", views.share_revoke, name="revoke"),
    path("<int:share_id>/extend/", views.share_extend, name="extend"),
    path("<int:share_id>/rename/", views.share_rename, name="rename"),
    path("<int:share_id>/preview/", views.share_preview, name="preview"),
    path(
        "credentials/<int:credential_id>/share/",
        views.credential_share,
        name="credential_share",
    ),
    path("credentials/<int:credential_id>/pdf/", views.credential_pdf, name="credential_pdf"),
    path(
        "credentials/<int:credential_id>/linkedin/",
        views.credential_linkedin,
        name="credential_linkedin",
    ),
]
