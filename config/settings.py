"""One settings module, configured only by environment variables (see the table in README.md).

With no variable set the app runs embedded: SQLite, local media, a filesystem Celery broker that a real
``celery worker`` consumes, and a file-based cache shared by web, worker and beat processes.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis (broker and cache).
"""

import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from common.provenance.identity import load_configured_identity
from config.keys import MIN_SECRET_KEY_LENGTH, derive_key, install_secret_key, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base for URLs handed out by workers, which have no request to build them from.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://localhost:8000").rstrip("/")
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

REDIS_URL = env.str("REDIS_URL", default="")

# --- Secret keys (config/keys.py) -----------------------------------------------------------------
# Without SECRET_KEY an install generates its own under VAR_DIR; a configured one must be a real key.
SECRET_KEY = env.str("SECRET_KEY", default="") or (install_secret_key(VAR_DIR) if not IS_PRODUCTION else "")
if not DEBUG and (problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(f"{problem}: set a random SECRET_KEY of at least {MIN_SECRET_KEY_LENGTH} characters")

if IS_PRODUCTION:
    missing = [
        name
        for name, value in (
            ("SECRET_KEY", env.str("SECRET_KEY", default="")),
            ("DATABASE_URL", env.str("DATABASE_URL", default="")),
            ("REDIS_URL", REDIS_URL),
            ("FIELD_ENCRYPTION_KEY", env.str("FIELD_ENCRYPTION_KEY", default="")),
        )
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(f"DJANGO_ENV=production needs these environment variables: {', '.join(missing)}")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses DEBUG=true")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ENV=production needs ALLOWED_HOSTS naming the site's host names (not *)")

INSTALLED_APPS = [
    # The dashboard's theme: must come before django.contrib.admin (its templates and admin site win).
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "merchants",
    "content",
    "tryon",
    "sizing",
    "webhooks",
    "widget",
    # Above the products: the dashboard's home, sidebar, health and the live gauges read them all.
    "dashboard",
]

MIDDLEWARE = [
    # First: the request id and timing cover every other middleware's answer too.
    "common.observability.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # widget: CORS for the shopper-facing API, before anything that may answer (413s need CORS headers too)
    "widget.cors.ShopperApiCorsMiddleware",
    "common.middleware.ApiRequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "common.middleware.DashboardLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
]

# --- Transport security (DJANGO_ENV=production turns these on; `manage.py check --deploy` passes) -------
# Behind a TLS-terminating proxy, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the proxy
# always sets or strips that header: otherwise a client could claim HTTPS).
_proxy_ssl_header = env.list("SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=IS_PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=IS_PRODUCTION)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=IS_PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
# Forms carry the CSRF token; no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
_is_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# Persistent connections on PostgreSQL: opening one per request cost more than most API requests themselves.
# Each web thread keeps its own (gunicorn gthread: workers × threads connections per instance, see README on
# PgBouncer); the health check drops a connection the server closed before a request uses it. Celery closes
# its connections around every task whatever this says. SQLite stays at 0: opening a file costs little, and
# `runserver` starts a thread per request, which would leave a connection open per finished thread.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if _is_sqlite else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# PgBouncer in transaction pooling mode cannot keep a server-side cursor between transactions.
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env.bool("DISABLE_SERVER_SIDE_CURSORS", default=False)
if _is_sqlite:
    # The embedded default serves web threads, worker and beat processes at once: WAL lets readers run beside
    # the writer, IMMEDIATE takes the write lock when a transaction starts (a deferred one that read first
    # fails at once with "database is locked" instead of waiting), and writers wait up to 20 s for each other.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if env.str("TEST_DATABASE_NAME", default=""):
    # Lets several test runs share one PostgreSQL server without clobbering each other's test database.
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache --------------------------------------------------------------------------------------
if REDIS_URL:
    # Django's Redis backend, reusing its client (common/cache.py says why).
    CACHES = {
        "default": {
            "BACKEND": "common.cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or hung answers requests with 503 within seconds, never holds them.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # File-based so the web, worker and beat processes of the embedded mode share one cache.
    CACHES = {
        "default": {
            "BACKEND": "common.cache.AtomicFileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Status polling (common/status_cache.py, merchants/authentication.py) --------------------------------
# How long the body of a finished content or try-on job stays cached for the storefronts that poll it.
JOB_STATUS_CACHE_SECONDS = env.int("JOB_STATUS_CACHE_SECONDS", default=3600)
# How long a verified API key is trusted from the cache; revocation through the dashboard or the services
# takes effect at once, any other change to a key row within this many seconds.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=5)

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]
LOGIN_URL = "admin:login"
# Sign-ins without a `next` (a bookmarked login page) land on the dashboard home; an off-site `next` is ignored.
LOGIN_REDIRECT_URL = "admin:index"

# --- i18n ---------------------------------------------------------------------------------------
# Korean first; the dashboard can switch to English (common.middleware.DashboardLanguageMiddleware). Our own
# texts are written in Korean and translated in locale/en; unfold's English texts are translated in locale/ko.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
DASHBOARD_PATH_PREFIXES = ("/admin/", "/i18n/")
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [folder for folder in [BASE_DIR / "static"] if folder.is_dir()]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Azure Blob (Content Service CDN) — used when a connection string or account name is set.
AZURE_CONNECTION_STRING = env.str("AZURE_STORAGE_CONNECTION_STRING", default="")
AZURE_ACCOUNT_NAME = env.str("AZURE_ACCOUNT_NAME", default="")
AZURE_ACCOUNT_KEY = env.str("AZURE_ACCOUNT_KEY", default="")
AZURE_CONTAINER = env.str("AZURE_CONTAINER", default="content")
AZURE_CUSTOM_DOMAIN = env.str("AZURE_CUSTOM_DOMAIN", default="") or None
# S3 (Toile try-on photos and results) — used when a bucket is set; results are handed out presigned.
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default="") or None
AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default="ap-northeast-2")
AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default="") or None
AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default="") or None
AWS_QUERYSTRING_AUTH = True
AWS_QUERYSTRING_EXPIRE = 3600
AWS_DEFAULT_ACL = None

CONTENT_STORAGE: dict[str, Any]
if AZURE_CONNECTION_STRING or AZURE_ACCOUNT_NAME:
    CONTENT_STORAGE = {
        "BACKEND": "storages.backends.azure_storage.AzureStorage",
        "OPTIONS": {
            "connection_string": AZURE_CONNECTION_STRING or None,
            "account_name": AZURE_ACCOUNT_NAME or None,
            "account_key": AZURE_ACCOUNT_KEY or None,
            "azure_container": AZURE_CONTAINER,
            "custom_domain": AZURE_CUSTOM_DOMAIN,
            "overwrite_files": True,
            "timeout": 20,
        },
    }
else:
    CONTENT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "content"), "base_url": f"{MEDIA_URL}content/"},
    }

if AWS_STORAGE_BUCKET_NAME:
    TRYON_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": AWS_STORAGE_BUCKET_NAME, "querystring_expire": 3600, "file_overwrite": True},
    }
else:
    # Private: never served as-is; the tryon app hands out signed, expiring URLs for these files.
    TRYON_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "private" / "tryon"), "base_url": None},
    }

STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT / "public"), "base_url": f"{MEDIA_URL}public/"},
    },
    "content": CONTENT_STORAGE,
    "tryon": TRYON_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}


# --- Content-Security-Policy of the HTML pages people open (common.middleware) ----------------------------
def _origin(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Images come from this site, the public base URL (local media), and the configured blob/S3 storages.
_IMAGE_SOURCES = " ".join(
    dict.fromkeys(
        source
        for source in (
            "'self'",
            "data:",
            "blob:",
            _origin(PUBLIC_BASE_URL),
            f"https://{AZURE_CUSTOM_DOMAIN}" if AZURE_CUSTOM_DOMAIN else "",
            f"https://{AZURE_ACCOUNT_NAME}.blob.core.windows.net" if AZURE_ACCOUNT_NAME else "",
            _origin(
                dict(part.split("=", 1) for part in AZURE_CONNECTION_STRING.split(";") if "=" in part).get(
                    "BlobEndpoint"
                )
            ),
            _origin(AWS_S3_ENDPOINT_URL),
            f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{AWS_S3_REGION_NAME}.amazonaws.com"
            if AWS_STORAGE_BUCKET_NAME
            else "",
            f"https://s3.{AWS_S3_REGION_NAME}.amazonaws.com" if AWS_STORAGE_BUCKET_NAME else "",
        )
        if source
    )
)
# Path prefix → policy. Scripts only from this site (no inline script); inline styles are allowed because the
# templates use style attributes. The dashboard's theme (django-unfold) bundles the standard Alpine.js build,
# which evaluates its attribute expressions: 'unsafe-eval' there, still no inline or foreign script.
CONTENT_SECURITY_POLICIES = {
    "/admin/": (
        f"default-src 'self'; img-src {_IMAGE_SOURCES}; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-eval'; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'self'"
    ),
    "/share/": (
        f"default-src 'none'; img-src {_IMAGE_SOURCES}; style-src 'self' 'unsafe-inline'; font-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    # The Content Credentials check: a form posting to itself, no script.
    "/verify": (
        "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
}

# --- REST framework, JWT, OpenAPI ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.StrictJSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or derive_key(SECRET_KEY, "jwt-signing"),
    "AUTH_HEADER_TYPES": ("Bearer",),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Content Service + Toile API",
    "DESCRIPTION": "SNS event images (Content Service) and virtual try-on, sizing and webhooks (Toile).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # Job status is the same four-value set in both products; styles/platforms are named as in the spec.
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": ["PENDING", "PROCESSING", "COMPLETED", "FAILED"],
        "StyleEnum": "content.constants.ALL_STYLES",
        "PlatformEnum": "content.constants.ALL_PLATFORMS",
        "WidgetEventEnum": "widget.api.CLIENT_EVENTS",
    },
    # Swagger UI and ReDoc come from drf-spectacular-sidecar's static files, never from a CDN; no validator
    # badge (Swagger UI would send the schema to validator.swagger.io).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # One webhook per registered event type, its body the event's payload (webhooks/events.py); the first hook puts them
    # under x-webhooks (this is an OpenAPI 3.0 document) with their schemas, then drf-spectacular's own.
    "WEBHOOKS": "webhooks.openapi.EVENT_WEBHOOKS",
    "POSTPROCESSING_HOOKS": [
        "common.openapi.webhooks_for_openapi_3_0",
        "drf_spectacular.hooks.postprocess_schema_enums",
    ],
}

# --- Celery -------------------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Priority 0 is the highest on kombu's Redis transport.
        "priority_steps": list(range(10)),
        "sep": ":",
        "queue_order_strategy": "priority",
        "visibility_timeout": 3600,
    }
else:
    # The host is only a name here (the transport reads folders); naming it spares every process a warning.
    CELERY_BROKER_URL = "filesystem://localhost//"
    for folder in ("queue", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        # How often an idle worker lists the queue folder (kombu's default is 1 s): a webhook's first attempt
        # or a job's start waits about half of it. A listing costs microseconds (bench/embedded_first_webhook.py).
        "polling_interval": env.float("FILESYSTEM_BROKER_POLL_SECONDS", default=0.1),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log with LOGGING (common/task_context.py); Celery's stdout proxy would swallow the pool's lines.
CELERY_WORKER_REDIRECT_STDOUTS = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work; the content queue keeps the name of the spec's job topic.
CELERY_TASK_ROUTES = {
    "content.*": {"queue": "image-generation-job"},
    "tryon.*": {"queue": "tryon"},
    "webhooks.*": {"queue": "webhooks"},
    "sizing.*": {"queue": "default"},
}
CELERY_WORKER_QUEUES = "default,image-generation-job,tryon,webhooks"

CELERY_BEAT_SCHEDULE: dict = {}
# Under VAR_DIR (created above), so `celery beat` starts on a fresh deploy without a --schedule option.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Any number of beats may run (one per machine, say): each periodic tick is sent once (common/beat.py).
CELERY_BEAT_SCHEDULER = "common.beat:SingleTickScheduler"

# --- Job recovery (common/jobs.py) -----------------------------------------------------------------------
# A running content or try-on job holds a lease its worker renews every JOB_LEASE_SECONDS / 3. When a worker
# dies (SIGKILL, OOM, lost machine) the lease runs out and the recovery task, run by beat every
# JOB_RECOVERY_INTERVAL_SECONDS, enqueues the job again; the pipelines resume from what was stored. A PENDING
# job whose message a broker lost is enqueued again after JOB_PENDING_RECOVERY_SECONDS (doubling each time).
# A job recovered JOB_MAX_RECOVERIES times is failed (a job that kills its worker must not loop forever).
JOB_LEASE_SECONDS = env.float("JOB_LEASE_SECONDS", default=30.0)
JOB_RECOVERY_INTERVAL_SECONDS = env.float("JOB_RECOVERY_INTERVAL_SECONDS", default=10.0)
JOB_PENDING_RECOVERY_SECONDS = env.float("JOB_PENDING_RECOVERY_SECONDS", default=45.0)
JOB_MAX_RECOVERIES = env.int("JOB_MAX_RECOVERIES", default=5)
# A job still running after this long stops renewing its lease and is recovered (its run presumed hung).
JOB_MAX_RUNTIME_SECONDS = env.float("JOB_MAX_RUNTIME_SECONDS", default=600.0)
for _app in ("content", "tryon"):
    # On the default queue: recovery must not wait behind the backlog of the queue it rescues.
    CELERY_TASK_ROUTES = {f"{_app}.recover_stalled_jobs": {"queue": "default"}, **CELERY_TASK_ROUTES}
    CELERY_BEAT_SCHEDULE[f"{_app}-recover-stalled-jobs"] = {
        "task": f"{_app}.recover_stalled_jobs",
        "schedule": JOB_RECOVERY_INTERVAL_SECONDS,
        "options": {"expires": JOB_RECOVERY_INTERVAL_SECONDS},
    }

# --- Throttles (common/throttling.py): fixed windows counted in the cache, 429 with Retry-After beyond -----
# Toile API (x-api-key): per key, per visitor (visitorId), and per client address for publishable keys.
THROTTLE_RATE_PER_API_KEY = env.str("THROTTLE_RATE_PER_API_KEY", default="6000/min")
THROTTLE_RATE_PER_VISITOR = env.str("THROTTLE_RATE_PER_VISITOR", default="60/min")
THROTTLE_RATE_PER_WIDGET_IP = env.str("THROTTLE_RATE_PER_WIDGET_IP", default="120/min")
# The public Content Credentials check (/verify, /api/verify): uploads read per client address.
THROTTLE_RATE_VERIFY_PER_IP = env.str("THROTTLE_RATE_VERIFY_PER_IP", default="30/min")
# Logins (POST /api/auth/token and the dashboard's login form): attempts per client address, and failed
# attempts per username (a success clears them).
THROTTLE_RATE_LOGIN_PER_IP = env.str("THROTTLE_RATE_LOGIN_PER_IP", default="20/min")
THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME = env.str("THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME", default="10/15min")
# Proxies in front of the app that append to X-Forwarded-For (0: the client is REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Retention of personal data and leftovers (daily, beat) -----------------------------------------------
# Body measurements a shopper entered (sizing) are deleted after this many days.
SIZING_MEASUREMENT_RETENTION_DAYS = env.int("SIZING_MEASUREMENT_RETENTION_DAYS", default=180)
# Free-text feedback (size feedback comments, try-on feedback reasons) is cleared after this many days;
# the votes themselves stay for the dashboards' rates.
FEEDBACK_TEXT_RETENTION_DAYS = env.int("FEEDBACK_TEXT_RETENTION_DAYS", default=90)
# Files no row refers to (a crash between storing a file and committing its row) are deleted once older
# than this (younger ones may belong to a request still running).
ORPHAN_FILE_GRACE_HOURS = env.int("ORPHAN_FILE_GRACE_HOURS", default=24)
for _task in ("content.purge_orphaned_files", "tryon.purge_orphaned_files", "sizing.purge_personal_data"):
    CELERY_BEAT_SCHEDULE[_task] = {"task": _task, "schedule": 24 * 3600.0}
CELERY_TASK_ROUTES = {"content.purge_orphaned_files": {"queue": "default"}, **CELERY_TASK_ROUTES}

# --- Request size limits for /api/ (413 in the product's error format) ----------------------------
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_MULTIPART_BYTES = env.int("API_MAX_MULTIPART_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES

# --- Web server (Procfile `web`: uvicorn with common.web; README "Slow clients") -------------------
# A request is read in full on the event loop before a Django thread is taken, under deadlines in the manner
# of Apache's mod_reqtimeout: the head must arrive within WEB_HEADER_TIMEOUT_SECONDS, extended by a second per
# WEB_MIN_RATE_BYTES received, never past WEB_HEADER_TIMEOUT_MAX_SECONDS; the body within
# WEB_BODY_TIMEOUT_SECONDS, extended the same way. Past a deadline the client gets 408 in the product's format.
WEB_THREADS = env.int("WEB_THREADS", default=4)  # Django threads per web process
WEB_HEADER_TIMEOUT_SECONDS = env.float("WEB_HEADER_TIMEOUT_SECONDS", default=10.0)
WEB_HEADER_TIMEOUT_MAX_SECONDS = env.float("WEB_HEADER_TIMEOUT_MAX_SECONDS", default=20.0)
WEB_BODY_TIMEOUT_SECONDS = env.float("WEB_BODY_TIMEOUT_SECONDS", default=20.0)
WEB_MIN_RATE_BYTES = env.int("WEB_MIN_RATE_BYTES", default=500)
# Request bodies outside /api/ (dashboard and admin uploads); /api/ paths have the limits above
# (common/request_limits.py: one rule for the web front and the size-limit middleware).
WEB_MAX_BODY_BYTES = env.int("WEB_MAX_BODY_BYTES", default=API_MAX_MULTIPART_BYTES + 1024 * 1024)

# --- Outbound HTTP ------------------------------------------------------------------------------
HTTP_CONNECT_TIMEOUT = env.float("HTTP_CONNECT_TIMEOUT", default=5.0)
HTTP_READ_TIMEOUT = env.float("HTTP_READ_TIMEOUT", default=30.0)
# Allows loopback targets for user-supplied URLs (logos, product images, webhooks): local development only.
SSRF_ALLOW_LOOPBACK = env.bool("SSRF_ALLOW_LOOPBACK", default=False)
# Per web process: customer-URL fetches (logos, product images) and image decodes running at once. Past the cap
# a request waits the given seconds for a slot, then gets 503, so slow or huge inputs cannot take every thread.
CUSTOMER_FETCH_CONCURRENCY = env.int("CUSTOMER_FETCH_CONCURRENCY", default=4)
CUSTOMER_FETCH_WAIT_SECONDS = env.float("CUSTOMER_FETCH_WAIT_SECONDS", default=2.0)
IMAGE_DECODE_CONCURRENCY = env.int("IMAGE_DECODE_CONCURRENCY", default=2)
IMAGE_DECODE_WAIT_SECONDS = env.float("IMAGE_DECODE_WAIT_SECONDS", default=10.0)

# --- Remote calls (common/remote/): providers and product hosts waited on without holding a worker slot ------
# Each worker process's remote loop runs the network steps of content and try-on jobs on this many threads.
REMOTE_FOLLOWER_THREADS = env.int("REMOTE_FOLLOWER_THREADS", default=16)
# Each provider's limits, held together by every worker on every host: calls in flight at once, and calls
# started per window where the provider documents a request rate. Fair between merchants (docs/operations.md).
REMOTE_PROVIDER_LIMITS = {
    # FASHN: 6 concurrent predictions and 50 runs a minute per account (docs.fashn.ai).
    "fashn": {
        "in_flight": env.int("FASHN_MAX_IN_FLIGHT", default=6),
        "per_window": env.int("FASHN_RUNS_PER_MINUTE", default=50),
        "window_seconds": 60,
    },
    # Stability AI: 150 requests per 10 s; no documented concurrency, so a modest default.
    "stability": {
        "in_flight": env.int("STABILITY_MAX_IN_FLIGHT", default=10),
        "per_window": env.int("STABILITY_REQUESTS_PER_10_SECONDS", default=150),
        "window_seconds": 10,
    },
    # OpenAI Images: images per minute depend on the account's usage tier (its limits page); tier 1's by default.
    "openai": {
        "in_flight": env.int("OPENAI_MAX_IN_FLIGHT", default=5),
        "per_window": env.int("OPENAI_IMAGES_PER_MINUTE", default=5),
        "window_seconds": 60,
    },
    # Merchants' product image hosts (try-on garments), all together.
    "product-image": {"in_flight": env.int("TRYON_PRODUCT_FETCH_CONCURRENCY", default=8)},
}

# --- Secrets at rest ----------------------------------------------------------------------------
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")

# --- Content Credentials of generated images (common/provenance, docs/ai-labels.md) ------------------
# Without a configured chain each install signs with its own local CA and certificate, derived from
# SECRET_KEY like the other keys. An operator may configure a key and a CA-issued chain (leaf first) instead.
C2PA_SIGNING_KEY_FILE = env.str("C2PA_SIGNING_KEY_FILE", default="")
C2PA_CERTIFICATE_CHAIN_FILE = env.str("C2PA_CERTIFICATE_CHAIN_FILE", default="")
if bool(C2PA_SIGNING_KEY_FILE) != bool(C2PA_CERTIFICATE_CHAIN_FILE):
    raise ImproperlyConfigured("Set both C2PA_SIGNING_KEY_FILE and C2PA_CERTIFICATE_CHAIN_FILE, or neither")
if C2PA_SIGNING_KEY_FILE:
    load_configured_identity(C2PA_SIGNING_KEY_FILE, C2PA_CERTIFICATE_CHAIN_FILE)  # a broken chain stops the start
# The organisation named in the install's own certificates (shown as the signer by Content Credentials readers).
C2PA_SIGNER_NAME = env.str("C2PA_SIGNER_NAME", default="Toile")
C2PA_KEY_SEED = derive_key(SECRET_KEY, "c2pa-signing")
# Largest image the public verification page reads.
VERIFY_MAX_UPLOAD_BYTES = env.int("VERIFY_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)

# --- Logging ------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
# plain: "time LEVEL logger message key=value ..."; json: one object per line for a log pipeline.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if IS_PRODUCTION else "plain")
# Python's warnings go through logging too (logger py.warnings), so every line a process writes is in LOG_FORMAT.
logging.captureWarnings(True)
# Beat's and the workers' INFO lines about periodic ticks (every few seconds); off, they stay out of the console.
LOG_PERIODIC_TASKS = env.bool("LOG_PERIODIC_TASKS", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # The ids a call passes in `extra` (job_id, merchant_id, delivery_id ...) follow the message; the request
    # and task ids are added by the filter.
    "formatters": {
        "plain": {"()": "common.logging.ContextFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "common.logging.JsonFormatter"},
    },
    "filters": {
        "request_context": {"()": "common.logging.RequestContextFilter"},
        "periodic_ticks": {"()": "common.logging.PeriodicTickFilter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_context", "periodic_ticks"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # uvicorn's own lines in the same format (its default handler would print them in its own).
        "uvicorn": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
    },
}

# --- Metrics (GET /metrics, Prometheus text format; README "Operating") -------------------------------
# The scrape needs `Authorization: Bearer <METRICS_TOKEN>`; without a token the endpoint does not exist.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Where every process of this machine counts (prometheus_client's multiprocess mode); `make run` empties it.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default=str(VAR_DIR / "metrics"))
Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = PROMETHEUS_MULTIPROC_DIR
# A worker serves this machine's metrics on this port too (for a worker machine with no web process).
METRICS_PORT = env.int("METRICS_PORT", default=0)

# --- dashboard (the admin, themed by django-unfold; callbacks in dashboard/frame.py and dashboard/home.py) ---
UNFOLD = {
    "SITE_TITLE": "Toile · Content",
    "SITE_HEADER": "Toile · Content",
    "SITE_SUBHEADER": "dashboard.frame.site_subheader",
    "SITE_SYMBOL": "storefront",
    "SITE_FAVICONS": [
        {"rel": "icon", "sizes": "32x32", "type": "image/x-icon", "href": "/favicon.ico"},
        {"rel": "apple-touch-icon", "sizes": "180x180", "type": "image/png", "href": "/static/favicon.png"},
    ],
    "SITE_URL": None,  # there is no public site to go back to
    "SITE_DROPDOWN": "dashboard.frame.site_dropdown",
    "SHOW_LANGUAGES": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "dashboard.home.dashboard_callback",
    "STYLES": ["dashboard.frame.stylesheet"],
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "dashboard.frame.sidebar_navigation",
    },
    # Indigo, close to the content images' default brand colour.
    "COLORS": {
        "primary": {
            "50": "oklch(96.2% .018 272.314)",
            "100": "oklch(93% .034 272.788)",
            "200": "oklch(87% .065 274.039)",
            "300": "oklch(78.5% .115 274.713)",
            "400": "oklch(67.3% .182 276.935)",
            "500": "oklch(58.5% .233 277.117)",
            "600": "oklch(51.1% .262 276.966)",
            "700": "oklch(45.7% .24 277.023)",
            "800": "oklch(39.8% .195 277.366)",
            "900": "oklch(35.9% .144 278.697)",
            "950": "oklch(25.7% .09 281.288)",
        },
    },
}
# --- end dashboard ---

# ======== App settings: each app keeps its own block below (edit only your app's block) ========

# --- content ---
# AI providers (tried in this order, each behind a circuit breaker); without a key the chain starts at the
# built-in template renderer.
STABILITY_API_KEY = env.str("STABILITY_API_KEY", default="")
STABILITY_API_BASE = env.str("STABILITY_API_BASE", default="https://api.stability.ai")
STABILITY_MODEL = env.str("STABILITY_MODEL", default="core")
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_API_BASE = env.str("OPENAI_API_BASE", default="https://api.openai.com")
OPENAI_IMAGE_MODEL = env.str("OPENAI_IMAGE_MODEL", default="gpt-image-1")
CONTENT_PROVIDER_TIMEOUT = env.float("CONTENT_PROVIDER_TIMEOUT", default=60.0)
# A style's artwork waiting this long for an AI provider's slot is drawn by the template instead.
CONTENT_ARTWORK_MAX_WAIT_SECONDS = env.int("CONTENT_ARTWORK_MAX_WAIT_SECONDS", default=120)
# Failure-rate circuit breaker (resilience4j terms): open when at least MIN_CALLS calls in the last
# WINDOW_SECONDS failed at FAILURE_RATE percent or more; stay open OPEN_SECONDS, then half-open.
CONTENT_BREAKER_FAILURE_RATE = env.float("CONTENT_BREAKER_FAILURE_RATE", default=50.0)
CONTENT_BREAKER_MIN_CALLS = env.int("CONTENT_BREAKER_MIN_CALLS", default=5)
CONTENT_BREAKER_WINDOW_SECONDS = env.int("CONTENT_BREAKER_WINDOW_SECONDS", default=60)
CONTENT_BREAKER_OPEN_SECONDS = env.int("CONTENT_BREAKER_OPEN_SECONDS", default=300)
# Results per merchant + eventDraftId are cached this long (the spec's 7 days).
CONTENT_CACHE_TTL_SECONDS = env.int("CONTENT_CACHE_TTL_SECONDS", default=7 * 24 * 3600)
# Generate/regenerate requests per merchant per minute (429 with Retry-After beyond).
CONTENT_RATE_LIMIT = env.int("CONTENT_RATE_LIMIT", default=30)
CONTENT_LOGO_MAX_BYTES = env.int("CONTENT_LOGO_MAX_BYTES", default=5 * 1024 * 1024)
CONTENT_LOGO_TIMEOUT = env.float("CONTENT_LOGO_TIMEOUT", default=10.0)
# Kafka (docs/kafka.md): the Event Service's ImageGenerationJob messages feed the same jobs as the API, and every
# job's PROCESSING/COMPLETED/FAILED goes out as a status event. Off without KAFKA_BOOTSTRAP_SERVERS: the
# Procfile's `kafka` process then idles and no status events are recorded.
KAFKA_BOOTSTRAP_SERVERS = env.str("KAFKA_BOOTSTRAP_SERVERS", default="")
KAFKA_JOB_TOPIC = env.str("KAFKA_JOB_TOPIC", default="image-generation-job")
KAFKA_GROUP_ID = env.str("KAFKA_GROUP_ID", default="content-service")
KAFKA_DEAD_LETTER_TOPIC = env.str("KAFKA_DEAD_LETTER_TOPIC", default="image-generation-job.dlt")
# Empty: no status events.
KAFKA_STATUS_TOPIC = env.str("KAFKA_STATUS_TOPIC", default="image-generation-job.status")
# The record header naming the merchant of a message (its id); a single-merchant deployment may name a default.
KAFKA_MERCHANT_HEADER = env.str("KAFKA_MERCHANT_HEADER", default="merchant-id")
KAFKA_DEFAULT_MERCHANT_ID = env.int("KAFKA_DEFAULT_MERCHANT_ID", default=0)
# Messages accepted per database transaction; a store that is down is retried after 0.5 s, doubling up to the max.
KAFKA_BATCH_SIZE = env.int("KAFKA_BATCH_SIZE", default=500)
KAFKA_RETRY_MAX_SECONDS = env.float("KAFKA_RETRY_MAX_SECONDS", default=30.0)
# How often the status relay looks for unsent events; sent ones are deleted after the retention.
KAFKA_STATUS_POLL_SECONDS = env.float("KAFKA_STATUS_POLL_SECONDS", default=0.2)
KAFKA_STATUS_RETENTION_HOURS = env.int("KAFKA_STATUS_RETENTION_HOURS", default=72)
# A consumer reports its partitions and lag every KAFKA_REPORT_SECONDS; /readyz calls it gone after
# KAFKA_CONSUMER_STALE_SECONDS without a report.
KAFKA_REPORT_SECONDS = env.float("KAFKA_REPORT_SECONDS", default=5.0)
KAFKA_CONSUMER_STALE_SECONDS = env.float("KAFKA_CONSUMER_STALE_SECONDS", default=30.0)
# librdkafka properties passed through as they are (content/kafka/config.py): KAFKA_CONFIG_<NAME> for every
# client, KAFKA_CONSUMER_CONFIG_<NAME> / KAFKA_PRODUCER_CONFIG_<NAME> for one kind; NAME upper-case with "_" for
# "." and "__" for "_" (KAFKA_CONFIG_SASL_MECHANISMS=PLAIN is sasl.mechanisms=PLAIN).
KAFKA_CLIENT_ENVIRONMENT = {
    name: value
    for name, value in os.environ.items()
    if name.startswith(("KAFKA_CONFIG_", "KAFKA_CONSUMER_CONFIG_", "KAFKA_PRODUCER_CONFIG_"))
}
# --- end content ---

# --- tryon ---
# Engine: "fashn" (needs FASHN_API_KEY) or "offline" (classical preview, no key); empty = FASHN when its key is set.
TRYON_ENGINE = env.str("TRYON_ENGINE", default="")
FASHN_API_KEY = env.str("FASHN_API_KEY", default="")
FASHN_API_BASE = env.str("FASHN_API_BASE", default="https://api.fashn.ai").rstrip("/")
FASHN_MODEL_NAME = env.str("FASHN_MODEL_NAME", default="tryon-v1.6")
FASHN_MODE = env.str("FASHN_MODE", default="balanced")
# Seconds between status calls of a prediction (stretched to keep all of them within FASHN's 50 per 10 s).
FASHN_POLL_INTERVAL = env.float("FASHN_POLL_INTERVAL", default=1.0)
FASHN_TIMEOUT = env.float("FASHN_TIMEOUT", default=180.0)
# How often a prediction whose submission met a FASHN server error is submitted again before the job fails.
# (A 429 rate or concurrency limit never fails a job: FASHN is paused for its Retry-After, the job keeps its turn.)
TRYON_PROVIDER_LIMIT_RETRIES = env.int("TRYON_PROVIDER_LIMIT_RETRIES", default=3)
# Where FASHN may call back when a prediction ends (e.g. https://shop-api.example.com): the public address of
# this site. Empty: predictions are polled only. A callback only makes a follower read the status sooner.
FASHN_WEBHOOK_BASE_URL = env.str("FASHN_WEBHOOK_BASE_URL", default="")
# Product images (garments) are fetched by the workers and kept per merchant and URL: this long when the host
# sends no Cache-Control max-age, never longer than the maximum; then revalidated (ETag / Last-Modified).
TRYON_GARMENT_CACHE_SECONDS = env.int("TRYON_GARMENT_CACHE_SECONDS", default=3600)
TRYON_GARMENT_CACHE_MAX_SECONDS = env.int("TRYON_GARMENT_CACHE_MAX_SECONDS", default=24 * 3600)
# A try-on waiting this long for a FASHN slot (a long burst, FASHN paused) ends FAILED with a message to try later.
TRYON_QUEUE_MAX_WAIT_SECONDS = env.int("TRYON_QUEUE_MAX_WAIT_SECONDS", default=900)
# A cached product image no try-on used for this many days is deleted (the next try-on fetches it again).
TRYON_GARMENT_KEEP_DAYS = env.int("TRYON_GARMENT_KEEP_DAYS", default=7)
# Wall-clock limit on fetching one product image (a host trickling bytes is cut off).
TRYON_PRODUCT_FETCH_SECONDS = env.float("TRYON_PRODUCT_FETCH_SECONDS", default=15.0)
TRYON_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# Lifetime of result URLs handed out (S3 presigned or the app's own signed local URLs).
TRYON_RESULT_URL_SECONDS = 3600
# Signs the app's own expiring file URLs (local storage); derived, so it is neither SECRET_KEY nor the JWT key.
TRYON_URL_SIGNING_KEY = derive_key(SECRET_KEY, "tryon-file-url")
CELERY_BEAT_SCHEDULE["tryon.purge_expired"] = {
    "task": "tryon.purge_expired",
    "schedule": timedelta(minutes=env.int("TRYON_PURGE_EVERY_MINUTES", default=30)),
}
# --- end tryon ---

# --- sizing ---
# Feedback-driven bias correction (docs/sizing.md): a product whose recent fit feedback leans one way moves
# the body's position on the chart by up to SIZING_BIAS_MAX_SHIFT sizes.
SIZING_BIAS_MIN_FEEDBACK = env.int("SIZING_BIAS_MIN_FEEDBACK", default=5)
SIZING_BIAS_THRESHOLD = env.float("SIZING_BIAS_THRESHOLD", default=0.3)
SIZING_BIAS_MAX_SHIFT = env.float("SIZING_BIAS_MAX_SHIFT", default=0.75)
SIZING_BIAS_WINDOW_DAYS = env.int("SIZING_BIAS_WINDOW_DAYS", default=180)
SIZING_CSV_MAX_BYTES = env.int("SIZING_CSV_MAX_BYTES", default=256 * 1024)
# --- end sizing ---

# --- webhooks ---
# Standard Webhooks delivery (docs/webhooks.md). emit_event kicks a dispatcher run after commit; beat runs
# one every WEBHOOKS_POLL_INTERVAL_SECONDS as the safety net for anything a lost kick left behind.
WEBHOOKS_DISPATCH_ON_COMMIT = env.bool("WEBHOOKS_DISPATCH_ON_COMMIT", default=True)
WEBHOOKS_POLL_INTERVAL_SECONDS = env.float("WEBHOOKS_POLL_INTERVAL_SECONDS", default=5.0)
# Deliveries of one endpoint claimed at once (one lane of a dispatcher).
WEBHOOKS_BATCH_SIZE = env.int("WEBHOOKS_BATCH_SIZE", default=100)
# Sending threads per dispatcher run (per webhooks worker process); a run serves up to
# WEBHOOKS_CONCURRENCY // WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY endpoints at once.
WEBHOOKS_CONCURRENCY = env.int("WEBHOOKS_CONCURRENCY", default=32)
# Requests in flight to one endpoint, all dispatchers together: an adaptive window (webhooks/delivery/window.py)
# that starts at the initial value, grows while answers are fast and halves on timeouts, 5xx/429 and answers
# slower than WEBHOOKS_SLOW_ANSWER_SECONDS; never above the maximum (nor the merchant's cap on the endpoint).
# Slow start: a new window grows by one request per fast answer (doubling each round trip) until the first
# of those signals, then additively as before; off, it grows additively from the start.
WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY = env.int("WEBHOOKS_ENDPOINT_INITIAL_CONCURRENCY", default=4)
WEBHOOKS_ENDPOINT_SLOW_START = env.bool("WEBHOOKS_ENDPOINT_SLOW_START", default=True)
WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = env.int("WEBHOOKS_ENDPOINT_MAX_CONCURRENCY", default=32)
WEBHOOKS_SLOW_ANSWER_SECONDS = env.float("WEBHOOKS_SLOW_ANSWER_SECONDS", default=1.0)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
CELERY_BEAT_SCHEDULE["webhooks-deliver-pending"] = {
    "task": "webhooks.deliver_pending",
    "schedule": WEBHOOKS_POLL_INTERVAL_SECONDS,
    # A tick that waited longer than one interval in the queue is superseded by the next one.
    "options": {"expires": WEBHOOKS_POLL_INTERVAL_SECONDS},
}
# Finished deliveries (and their attempts) older than this are deleted daily; 0 keeps them forever.
WEBHOOKS_RETENTION_DAYS = env.int("WEBHOOKS_RETENTION_DAYS", default=30)
CELERY_BEAT_SCHEDULE["webhooks-purge-old-deliveries"] = {
    "task": "webhooks.purge_old_deliveries",
    "schedule": 24 * 3600.0,
}
# --- end webhooks ---
