from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("s/", include("sharing.public_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("api/shares/", include("sharing.api_urls")),
    path("api/account/", include("accounts.api_urls")),
    path("api/", include("wallet.api_urls")),
    path("api/", include("wallet.portability_api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("shares/", include("sharing.urls")),
    path("", include("wallet.portability_urls")),
    path("", include("wallet.urls")),
]
