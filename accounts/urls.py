from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.account, name="account"),
    path("language/", views.language, name="language"),
    path("holder-key/rotate/", views.key_rotate, name="key_rotate"),
    path("delete/", views.delete, name="delete"),
]
