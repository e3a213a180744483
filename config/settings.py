"""Satchel settings: one module, everything from the environment.

With nothing configured (the embedded default) Satchel runs on SQLite with Celery tasks run
eagerly, reading development secrets from var/dev.env (created once by `make run` / `make
test`). With DATABASE_URL and REDIS_URL set, the same code runs on PostgreSQL, Redis and
Celery workers.
"""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config import env
from config.cache import redis_cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# Development secrets live in a git-ignored file; real deployments set the environment.
env.read_env_file(Path(env.string("SATCHEL_ENV_FILE", str(VAR_DIR / "dev.env"))))

DEBUG = env.boolean("DEBUG", False)
SECRET_KEY = env.string("SECRET_KEY")
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "Setting SECRET_KEY: with DEBUG off it must be a real secret of at least 50 characters"
    )


def _encryption_keys(raw: str) -> list[str]:
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    for key in keys:
        try:
            decoded = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ImproperlyConfigured(
                "Setting SATCHEL_ENCRYPTION_KEY: expected comma-separated Fernet keys "
                "(32 url-safe base64-encoded bytes each), e.g. from "
                "cryptography.fernet.Fernet.generate_key()"
            )
    return keys


# The first key encrypts; all keys decrypt (so keys can be rotated).
SATCHEL_ENCRYPTION_KEYS = _encryption_keys(env.string("SATCHEL_ENCRYPTION_KEY"))

ALLOWED_HOSTS = env.string_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Setting ALLOWED_HOSTS: required when DEBUG is off")
CSRF_TRUSTED_ORIGINS = env.string_list("CSRF_TRUSTED_ORIGINS", [])
# The public origin used in links, QR codes and presentation domains.
SATCHEL_PUBLIC_ORIGIN = env.string("SATCHEL_PUBLIC_ORIGIN", "http://127.0.0.1:8000").rstrip("/")
# How many reverse proxies of ours stand in front of Satchel, each appending to
# X-Forwarded-For: the client's address is read from the entry the outermost one wrote
# (config.clients). 0 ignores the header. Sign-in limits and API throttles use the same count.
SATCHEL_TRUSTED_PROXY_COUNT = env.integer("SATCHEL_TRUSTED_PROXY_COUNT", 0, minimum=0)
ALLAUTH_TRUSTED_PROXY_COUNT = SATCHEL_TRUSTED_PROXY_COUNT

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "accounts",
    "wallet",
    "intake",
    "sharing",
    "portability",
    "oauth2_provider",
    "obapi",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    }
]

DATABASES = {"default": env.database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'satchel.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
# Persistent connections are checked before each request reuses them: one the server ended
# (restart, failover, idle timeout) is replaced instead of failing the request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves several gunicorn workers: WAL lets readers run beside a
    # writer, and IMMEDIATE transactions queue writers instead of failing with "locked".
    # Checkpoints (the WAL copied into the database, with an fsync) every 10,000 pages
    # (40 MB) rather than SQLite's 1,000: a bulk import writes a few MB per thousand files,
    # and each checkpoint's fsync cost it more than its inserts.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA wal_autocheckpoint=10000;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = env.redis_url("REDIS_URL")
if REDIS_URL:
    # Short socket timeouts, and process memory standing in while Redis is down (see
    # config/cache.py): a cache outage never takes a page down.
    CACHES = {"default": redis_cache_settings(REDIS_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "satchel",
        }
    }

# Celery: eager (in-process) without Redis; real workers with it.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.boolean("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
# Hourly, but each credential is re-checked only once its last check is a day old.
CELERY_BEAT_SCHEDULE = {
    "wallet-reverify-due": {"task": "wallet.tasks.reverify_due", "schedule": timedelta(hours=1)},
    "wallet-purge-expired-trash": {
        "task": "wallet.tasks.purge_expired_trash",
        "schedule": timedelta(hours=24),
    },
    "portability-purge-expired-exports": {
        "task": "portability.tasks.purge_expired_exports",
        "schedule": timedelta(hours=1),
    },
    "wallet-refresh-issuer-registries": {
        "task": "wallet.tasks.refresh_issuer_registries",
        "schedule": timedelta(hours=24),
    },
    "wallet-refresh-case-items": {
        "task": "wallet.tasks.refresh_case_items",
        "schedule": timedelta(days=7),
    },
    "sharing-prune-view-log": {
        "task": "sharing.tasks.prune_view_log",
        "schedule": timedelta(hours=24),
    },
    "obapi-prune-tool-access": {
        "task": "obapi.tasks.prune_tool_access",
        "schedule": timedelta(hours=24),
    },
    "obapi-sync-badge-hosts": {
        "task": "obapi.tasks.sync_badge_hosts",
        "schedule": timedelta(hours=24),
    },
    # Credentials close to expiry whose issuer offers a refresh (a plain GET) are renewed.
    "intake-refresh-expiring": {
        "task": "intake.tasks.refresh_expiring",
        "schedule": timedelta(hours=24),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LANGUAGE_CODE = "en"
# The languages Satchel is translated into (locale/<code>/LC_MESSAGES/django.po). A signed-in
# learner's choice is kept on the account (accounts.middleware.UserLanguageMiddleware); anyone
# else, the employer on a share page included, gets what their browser asks for.
LANGUAGES = [("en", "English"), ("es", "Español"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats per language (config/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# Email: console in development; SMTP settings from the environment in production.
EMAIL_BACKEND = env.string(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env.string("EMAIL_HOST", "localhost")
EMAIL_PORT = env.integer("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.string("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.string("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.boolean("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "Satchel <no-reply@localhost>")

# Security headers. HSTS and secure cookies only when served over HTTPS (not in DEBUG).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_HSTS_SECONDS = env.integer("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env.boolean("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# django-allauth: email only, verified, MFA, rate limits, our adapter and templates.
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 10
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "manage_email": "10/m/user",
    # Deleting the account checks the password (accounts.flows): not a password oracle.
    "delete_account": "5/15m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Satchel] "
# Failed passwords count per email and client (accounts.adapter), so strangers cannot lock an
# account; a learner locked out where they are signs in with a code sent by email instead.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# Earners see and end their sessions on other devices; rows go with the account.
USERSESSIONS_TRACK_ACTIVITY = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Satchel"
ACCOUNT_FORMS = {"login": "accounts.forms.SignInForm"}
MFA_FORMS = {
    "authenticate": "accounts.forms.CodeAuthenticateForm",
    "reauthenticate": "accounts.forms.CodeReauthenticateForm",
    "activate_totp": "accounts.forms.CodeActivateTOTPForm",
}
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

SOCIALACCOUNT_ADAPTER = "accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_PROVIDERS: dict = {}
# The provider's discovery document and token answers decide who signs in: HTTPS only in
# production (issue 10, item 20).
_oidc_server = env.url("OIDC_SERVER_URL", "", require_https=not DEBUG)
if _oidc_server:
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": env.string("OIDC_PROVIDER_ID", "school"),
                "name": env.string("OIDC_PROVIDER_NAME", "your school"),
                "client_id": env.string("OIDC_CLIENT_ID"),
                "secret": env.string("OIDC_CLIENT_SECRET"),
                "settings": {"server_url": _oidc_server},
            }
        ],
        "OAUTH_PKCE_ENABLED": True,
    }

# School sign-in (issue 10, items 15-16): the sign-in and connect pages allow the provider's
# sign-in origin in form-action, and a provider that cannot be reached gets a failure page.
MIDDLEWARE += ["accounts.middleware.SchoolSignInMiddleware"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "120/min", "user": "600/min", "share": "60/min"},
    "NUM_PROXIES": SATCHEL_TRUSTED_PROXY_COUNT,
    # A service's Django ValidationError answers 400, as DRF's own does.
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Satchel API",
    "DESCRIPTION": "The learner's record, sharing and export, over the same services as the site.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Share links: how old a verdict may be before the employer's page re-checks it, and how
# many unknown or dead tokens one client may try before it is told to slow down.
SATCHEL_SHARE_RECHECK_SECONDS = env.integer("SATCHEL_SHARE_RECHECK_SECONDS", 3600, minimum=60)
SATCHEL_SHARE_MISS_LIMIT = env.integer("SATCHEL_SHARE_MISS_LIMIT", 20, minimum=1)
SATCHEL_SHARE_MISS_WINDOW_SECONDS = env.integer("SATCHEL_SHARE_MISS_WINDOW_SECONDS", 600, minimum=1)
# The access log: a client's repeated visits to a link within the window are one row (a view
# of a link with a view limit is always counted), and rows older than the retention go.
SATCHEL_SHARE_VIEW_WINDOW_SECONDS = env.integer(
    "SATCHEL_SHARE_VIEW_WINDOW_SECONDS", 1800, minimum=1
)
SATCHEL_SHARE_VIEW_RETENTION_DAYS = env.integer("SATCHEL_SHARE_VIEW_RETENTION_DAYS", 180, minimum=1)
# Rows of that log for links without a view limit are written in batches, at most this long
# after the first one queued (sharing/access_log.py); 0 writes each at once.
SATCHEL_SHARE_LOG_BATCH_MS = env.integer("SATCHEL_SHARE_LOG_BATCH_MS", 1000, minimum=0)

# Public doors that work for strangers (issue 13): the employer request form and the public
# verifier, each limited per client per window (config.clients says who the client is).
SATCHEL_REQUEST_FORM_LIMIT = env.integer("SATCHEL_REQUEST_FORM_LIMIT", 10, minimum=1)
SATCHEL_REQUEST_FORM_WINDOW_SECONDS = env.integer(
    "SATCHEL_REQUEST_FORM_WINDOW_SECONDS", 3600, minimum=1
)
SATCHEL_PUBLIC_VERIFY_LIMIT = env.integer("SATCHEL_PUBLIC_VERIFY_LIMIT", 30, minimum=1)
SATCHEL_PUBLIC_VERIFY_WINDOW_SECONDS = env.integer(
    "SATCHEL_PUBLIC_VERIFY_WINDOW_SECONDS", 600, minimum=1
)

# Verifier caps and caches.
SATCHEL_MAX_UPLOAD_BYTES = env.integer("SATCHEL_MAX_UPLOAD_BYTES", 5 * 1024 * 1024, minimum=1024)
SATCHEL_FETCH_TIMEOUT = env.integer("SATCHEL_FETCH_TIMEOUT", 10, minimum=1)
SATCHEL_FETCH_CACHE_SECONDS = env.integer("SATCHEL_FETCH_CACHE_SECONDS", 3600)
# Origins the outbound door contacts even though they are private, loopback or plain HTTP
# (development issuers, intranet verifiers): `http://127.0.0.1:9441,https://issuer.intranet`.
# Empty by default: only public HTTPS servers are contacted.
SATCHEL_OUTBOUND_ALLOW = env.origins("SATCHEL_OUTBOUND_ALLOW")
# The OAuth client_id the wallet gives an OpenID4VCI issuer that signs the learner in
# (authorization code flow). Empty: the address of the wallet's published client metadata
# (/receive/client-metadata.json), for issuers that take any public client.
SATCHEL_OID4VCI_CLIENT_ID = env.string("SATCHEL_OID4VCI_CLIENT_ID", "")
# The dotted path of the callable that builds the app's outbound fetcher (config.outbound).
# Development names the demo issuers' one in var/dev.env; production keeps the default.
SATCHEL_FETCHER = env.string("SATCHEL_FETCHER", "config.outbound.guarded_fetcher")
# Known issuer registries (issue 16), most authoritative first, in the DCC registry format
# (`{"meta": ..., "registry": {DID: {name, url, location}}}`): `Name=https://...;Name=...`.
# Refreshed daily through the outbound door; wallet/registry_snapshot.json answers until then.
SATCHEL_ISSUER_REGISTRIES = env.named_urls(
    "SATCHEL_ISSUER_REGISTRIES",
    [
        (
            "DCC Pilot Registry",
            "https://digitalcredentials.github.io/issuer-registry/registry.json",
        ),
        (
            "DCC Sandbox Registry",
            "https://digitalcredentials.github.io/sandbox-registry/registry.json",
        ),
        (
            "DCC Community Registry",
            "https://digitalcredentials.github.io/community-registry/registry.json",
        ),
        ("DCC Registry", "https://digitalcredentials.github.io/dcc-registry/registry.json"),
    ],
)
# CPU seconds one verification may use, nested credentials included; past them it stops and
# the verdict is "malformed". A CLR carrying 500 credentials takes about 5 s.
SATCHEL_VERIFY_CPU_SECONDS = env.integer("SATCHEL_VERIFY_CPU_SECONDS", 10, minimum=1)
SATCHEL_MAX_ZIP_BYTES = env.integer(
    "SATCHEL_MAX_ZIP_BYTES", 20 * SATCHEL_MAX_UPLOAD_BYTES, minimum=1024
)
SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES = env.integer(
    "SATCHEL_MAX_ZIP_UNCOMPRESSED_BYTES", 40 * SATCHEL_MAX_UPLOAD_BYTES, minimum=1024
)
# A restore of at most this many credentials verifies them before it answers; a larger one
# leaves them "not checked yet" and queues their check (each may need the issuer's network).
SATCHEL_RESTORE_INLINE_CHECKS = env.integer("SATCHEL_RESTORE_INLINE_CHECKS", 10, minimum=0)
DATA_UPLOAD_MAX_MEMORY_SIZE = SATCHEL_MAX_UPLOAD_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = SATCHEL_MAX_UPLOAD_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.string("LOG_LEVEL", "INFO")},
}

SESSION_COOKIE_AGE = int(timedelta(days=14).total_seconds())

# --- Faults: Redis down, workers dying, tasks running long --------------------------------
# (issue 10; README "When things fail"). Sessions live in the database, never in Redis, so
# an outage signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A request that enqueues a task while the broker is down learns it within a few seconds
# (config.celery.enqueue then fails the job with a message) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# Jobs keep their state in their rows: nothing waits on task results (only satchel.ping).
CELERY_TASK_IGNORE_RESULT = True
# Acknowledged once finished, put back when the process running it dies (every task is safe
# to run again), one message reserved per process so a long task holds no others back (and
# fewer unacknowledged messages to restore when the broker connection drops).
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# When the broker connection drops, tasks keep running; the messages the worker puts back run
# again later, and a job's second run finds it held or finished (config.jobs).
# (Cancelling them instead makes Celery 5.6 record the cancellation in the result backend,
# which is Redis: with Redis down, the worker dies.)
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# Soft limits (the task is told, and a job ends failed with a message), hard a minute later.
SATCHEL_TASK_TIME_LIMIT = env.integer("SATCHEL_TASK_TIME_LIMIT", 300, minimum=10)
SATCHEL_JOB_TIME_LIMIT = env.integer("SATCHEL_JOB_TIME_LIMIT", 1800, minimum=60)
CELERY_TASK_SOFT_TIME_LIMIT = SATCHEL_TASK_TIME_LIMIT
CELERY_TASK_TIME_LIMIT = SATCHEL_TASK_TIME_LIMIT + 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
    # Longer than any task may run, or a message still being worked on is handed out twice.
    "visibility_timeout": max(3600, 2 * (SATCHEL_JOB_TIME_LIMIT + 60)),
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# A job silent for this long (no progress, no sign of life) is resumed or failed by the sweep.
SATCHEL_JOB_STALL_SECONDS = env.integer("SATCHEL_JOB_STALL_SECONDS", 600, minimum=60)
# The daily re-check goes through what is due at this many credentials a second at most
# (decision 0030), spread out beside the pages being served; 0: as fast as it can. Never so
# slowly that what is due would outlast four fifths of SATCHEL_JOB_TIME_LIMIT.
SATCHEL_RECHECK_RATE = env.integer("SATCHEL_RECHECK_RATE", 150, minimum=0)
# Workers run at this Unix niceness (decision 0026): when a worker and a web process both want
# the CPU, the web process (someone waiting for a page) goes first, and the daily re-check or
# an import takes what is left. 0 keeps the niceness the worker was started with.
SATCHEL_WORKER_NICENESS = env.integer("SATCHEL_WORKER_NICENESS", 19, minimum=0, maximum=19)
# Workers run under Linux's SCHED_IDLE policy (decision 0026's second amendment): a web process
# that wakes takes the core at once instead of waiting out the worker's time slice.
SATCHEL_WORKER_IDLE_SCHEDULING = env.boolean("SATCHEL_WORKER_IDLE_SCHEDULING", True)
CELERY_BEAT_SCHEDULE["intake-sweep-stalled-imports"] = {
    "task": "intake.tasks.sweep_stalled_imports",
    "schedule": timedelta(minutes=1),
}
# Deferred credentials (OpenID4VCI section 9): each waiting attempt is polled with backoff.
CELERY_BEAT_SCHEDULE["intake-receive-poll-due"] = {
    "task": "intake.tasks.receive_poll_due",
    "schedule": timedelta(minutes=1),
}
CELERY_BEAT_SCHEDULE["portability-sweep-stalled-exports"] = {
    "task": "portability.tasks.sweep_stalled_exports",
    "schedule": timedelta(minutes=1),
}


# --- The 1EdTech Open Badges 3.0 / CLR 2.0 API (obapi) --------------------------------------
# Satchel as a host: django-oauth-toolkit is the authorization server (OB 3.0 section 7; the
# IMS Security Framework 1.1 section 4): the authorization code grant with PKCE S256 only,
# refresh tokens, revocation; tokens kept hashed at rest; scopes as the specifications name them.
_OB_SCOPES = "https://purl.imsglobal.org/spec/ob/v3p0/scope"
_CLR_SCOPES = "https://purl.imsglobal.org/spec/clr/v2p0/scope"
OAUTH2_PROVIDER = {
    "SCOPES": {
        **{
            f"{_OB_SCOPES}/{name}": words
            for name, words in (
                ("credential.readonly", "Read your badges"),
                ("credential.upsert", "Add badges to your record"),
                ("profile.readonly", "Read your profile"),
                ("profile.update", "Change your profile"),
            )
        },
        **{
            f"{_CLR_SCOPES}/{name}": words
            for name, words in (
                ("credential.readonly", "Read your learner records"),
                ("credential.upsert", "Add learner records to your record"),
                ("profile.readonly", "Read your profile"),
                ("profile.update", "Change your profile"),
            )
        },
        "offline_access": "Keep access while you are away",
    },
    # A tool names what it wants; nothing is granted by default.
    "DEFAULT_SCOPES": [],
    "OAUTH2_VALIDATOR_CLASS": "obapi.validator.RegisteredScopesValidator",
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "REQUEST_APPROVAL_PROMPT": "force",
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 180 * 24 * 3600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # HTTPS redirects only (RFC 9700 section 2.1); a deployment that adds "http" allows it for
    # tools on the loopback address only (obapi.registration, RFC 8252 section 7.3).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
}
# DOT's models are swappable; naming them lets migrations depend on the setting.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"  # noqa: S105 -- a model name
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"  # noqa: S105 -- a model name
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"  # noqa: S105 -- a model name
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
# Where the discovery document sends a tool's developer to read the operator's terms.
SATCHEL_TERMS_URL = env.string("SATCHEL_TERMS_URL", SATCHEL_PUBLIC_ORIGIN + "/")
SATCHEL_PRIVACY_URL = env.string("SATCHEL_PRIVACY_URL", SATCHEL_PUBLIC_ORIGIN + "/")
# Satchel as a consumer: how many pages of one badge platform's credentials one sync reads.
SATCHEL_BADGE_HOST_MAX_PAGES = env.integer("SATCHEL_BADGE_HOST_MAX_PAGES", 50, minimum=1)
# Satchel as a host: how long the learner's access log of connected tools is kept.
SATCHEL_TOOL_ACCESS_RETENTION_DAYS = env.integer(
    "SATCHEL_TOOL_ACCESS_RETENTION_DAYS", 180, minimum=1
)
