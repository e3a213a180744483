from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from oauth2_provider import urls as oauth2_urls

from config.health import healthz
from intake import api_urls as intake_api_urls
from intake import urls as intake_urls
from sharing.verify_views import PublicVerifyApi
from wallet import api_urls as wallet_api_urls
from wallet import urls as wallet_urls

# The import pages and API moved from wallet to intake (issue 11) and kept their names:
# `wallet:import`, `wallet-api:credential-import`... One namespace each, two apps' patterns.
record_pages = (intake_urls.urlpatterns + wallet_urls.urlpatterns, "wallet")
record_api = (intake_api_urls.urlpatterns + wallet_api_urls.urlpatterns, "wallet-api")

# Of django-oauth-toolkit's endpoints only the token and revocation ones: registration and the
# consent page are obapi's (obapi.oauth_views), and no application management is offered.
oauth_token_urls = (
    [p for p in oauth2_urls.base_urlpatterns if p.name in ("token", "revoke-token")],
    "oauth2_provider",
)

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("s/", include("sharing.public_urls")),
    path("", include("sharing.request_urls")),
    path("", include("sharing.present_urls")),
    path("", include("intake.receive_urls")),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("lti/", include("accounts.lti_urls")),
    path("api/shares/", include("sharing.api_urls")),
    path("api/verify/", PublicVerifyApi.as_view(), name="public-verify"),
    path("api/receive/", include("intake.receive_api_urls")),
    path("api/account/", include("accounts.api_urls")),
    path("api/", include(record_api)),
    path("api/", include("portability.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("shares/", include("sharing.urls")),
    # The OB 3.0 / CLR 2.0 host: its REST endpoints, django-oauth-toolkit's token and
    # revocation endpoints, registration, consent, and the learner's pages about it.
    path("", include("obapi.api_urls")),
    path("oauth/", include(oauth_token_urls)),
    path("", include("obapi.urls")),
    path("", include("portability.urls")),
    path("", include(record_pages)),
]
