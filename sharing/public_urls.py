"""The employer's side of share links, included at /s/ by config/urls.py."""

from django.urls import path

from sharing import public_views

app_name = "share"
urlpatterns = [
    path("<str:token>", public_views.share_page, name="page"),
    path("<str:token>/presentation", public_views.share_presentation, name="presentation"),
    path("<str:token>/resume.json", public_views.share_resume, name="resume"),
    path("<str:token>/credentials/<str:handle>", public_views.share_original, name="original"),
    path("<str:token>/credentials/<str:handle>/image", public_views.share_image, name="image"),
]
