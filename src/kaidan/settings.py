"""Kaidan settings: one module, everything configurable by environment.

Environment variables (documented in docs/configuration.md, checked by tests/test_docs.py):
KAIDAN_DATA_DIR, KAIDAN_DATABASE_URL, KAIDAN_SECRET_KEY, KAIDAN_DEBUG, KAIDAN_ALLOWED_HOSTS,
KAIDAN_EMAIL_URL, KAIDAN_DEFAULT_FROM_EMAIL, KAIDAN_BASE_URL, KAIDAN_CSRF_TRUSTED_ORIGINS, KAIDAN_AUDIT_KEY,
and the limits (KAIDAN_MAX_UPLOAD_MB, KAIDAN_MAX_IMPORT_ROWS, KAIDAN_MAX_IMPORT_COLUMNS …).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("KAIDAN_DATA_DIR", Path.cwd() / "var")).resolve()


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _secret_key() -> str:
    """Use KAIDAN_SECRET_KEY, else a key generated once and kept in the data dir."""
    if key := os.environ.get("KAIDAN_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = _env_bool("KAIDAN_DEBUG")
WSGI_THREADS = _env_int("KAIDAN_WSGI_THREADS", 4)
"""Threads per `kaidan serve` worker process for the (synchronous) pages: kaidan/asgi.py."""
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("KAIDAN_ALLOWED_HOSTS", "*").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("KAIDAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
BASE_URL = os.environ.get("KAIDAN_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# The audit chain's HMAC key (kaidan.audit.keys): KAIDAN_AUDIT_KEY, else a file created on first use.
AUDIT_KEY = os.environ.get("KAIDAN_AUDIT_KEY", "")
AUDIT_KEY_FILE = DATA_DIR / "audit.key"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "kaidan.core",
    "kaidan.accounts",
    "kaidan.access",
    "kaidan.audit",
    "kaidan.catalog",
    "kaidan.store",
    "kaidan.ingest",
    "kaidan.documents",
    "kaidan.editing",
    "kaidan.history",
    "kaidan.live",
    "kaidan.sharing",
    "kaidan.links",
    "kaidan.opendata",
    "kaidan.search",
    "kaidan.analysis",
    "kaidan.procedures",
    "kaidan.problems",
    "kaidan.charts",
    "kaidan.api",
    "kaidan.imports",
    "ninja",  # django-ninja: the REST API and its OpenAPI document (Swagger UI served from its static files)
    "django_tasks",
    "django_tasks_db",
]

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kaidan.core.middleware.RefuseNulMiddleware",
    "kaidan.core.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaidan.audit.middleware.AuditSourceMiddleware",
    "kaidan.core.middleware.JapaneseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kaidan.core.middleware.DomainErrorMiddleware",
    "kaidan.accounts.middleware.RequireTwoFactorForAdminsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaidan.urls"
ASGI_APPLICATION = "kaidan.asgi.application"
WSGI_APPLICATION = "kaidan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database_config(url: str | None) -> dict[str, object]:
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'kaidan.sqlite3'}"
    # Persistent connections: `kaidan serve` runs sync views in a fixed pool of threads (kaidan/asgi.py), each
    # keeping its connection instead of opening one per request (a new SQLite connection and its PRAGMAs cost
    # more than a small page). Health checks drop a connection the server closed.
    config: dict[str, object] = dict(
        dj_database_url.parse(
            url,
            conn_max_age=_env_int("KAIDAN_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work while an import writes; IMMEDIATE avoids lock-upgrade deadlocks.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
            "transaction_mode": "IMMEDIATE",
        }
        # The test database is a file too, not Django's shared-cache memory database: in shared cache a
        # reader meets "database table is locked" at once instead of waiting (busy_timeout does not apply),
        # which made the live-stream tests flaky; a file behaves as the product does.
        config["TEST"] = {"NAME": str(DATA_DIR / "test-kaidan.sqlite3")}
    return config


DATABASES = {"default": _database_config(os.environ.get("KAIDAN_DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "kaidan.core.errorpages.csrf_failure"  # the site's 403 page, translated
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:staff_home"
LOGOUT_REDIRECT_URL = "core:home"

# Login throttling (django-axes): lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Kaidan"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
# Dates on screen in the language's own style (ja: 2026年12月1日, Django's formats with a space before the
# time); exports keep ISO dates (kaidan.store.exports). Counts get thousands separators where shown
# (kaidan.core.display.count), not every number: ids in links and forms stay plain.
FORMAT_MODULE_PATH = ["kaidan.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = DATA_DIR / "files"

# Limits (docs/configuration.md, docs/import.md). Every upload (imports, documents) is refused above
# MAX_UPLOAD_SIZE; documents have their own, smaller limit on top.
MAX_UPLOAD_SIZE = _env_int("KAIDAN_MAX_UPLOAD_MB", 200) * 1024 * 1024
DOCUMENTS_MAX_UPLOAD_SIZE = min(
    _env_int("KAIDAN_DOCUMENTS_MAX_UPLOAD_SIZE", 100 * 1024 * 1024), MAX_UPLOAD_SIZE
)
MAX_IMPORT_ROWS = _env_int("KAIDAN_MAX_IMPORT_ROWS", 2_000_000)
# The municipality publishing (the オープンデータ一覧 names it in every row).
MUNICIPALITY_CODE = os.environ.get("KAIDAN_MUNICIPALITY_CODE", "131121")  # 全国地方公共団体コード
PREFECTURE_NAME = os.environ.get("KAIDAN_PREFECTURE_NAME", "東京都")
MUNICIPALITY_NAME = os.environ.get("KAIDAN_MUNICIPALITY_NAME", "世田谷区")
ANALYSIS_CACHE_MB = _env_int("KAIDAN_ANALYSIS_CACHE_MB", 256)  # Arrow snapshots kept per process
CHART_FONT = os.environ.get("KAIDAN_CHART_FONT", "").strip()  # empty: IPAex Gothic from matplotlib-fontja
# Scheduled imports (kaidan.imports, docs/import.md): the hosts the server may fetch files from (comma
# separated; "*" for any) and the folders it may watch. Both empty by default: the operator opts in.
IMPORT_URL_HOSTS = [h.strip() for h in os.environ.get("KAIDAN_IMPORT_URL_HOSTS", "").split(",") if h.strip()]
IMPORT_FOLDERS = [
    Path(p).resolve() for p in os.environ.get("KAIDAN_IMPORT_FOLDERS", "").split(os.pathsep) if p.strip()
]
IMPORT_FETCH_TIMEOUT = _env_int("KAIDAN_IMPORT_FETCH_TIMEOUT", 60)
MAX_IMPORT_COLUMNS = _env_int("KAIDAN_MAX_IMPORT_COLUMNS", 1000)
MAX_IMPORT_UNPACKED_SIZE = _env_int("KAIDAN_MAX_IMPORT_UNPACKED_MB", 1024) * 1024 * 1024
# Online procedures (docs/procedures.md): how long residents' unsent drafts are kept, and the Japanese font
# embedded in the counter's printed confirmation sheet (empty: the first one found on the machine).
PROCEDURES_DRAFT_RETENTION_DAYS = _env_int("KAIDAN_DRAFT_RETENTION_DAYS", 30)
PROCEDURES_PDF_FONT = os.environ.get("KAIDAN_PDF_FONT", "").strip()
# Files above this size are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Form fields (not files): the import plan form has five fields per column.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 6 * MAX_IMPORT_COLUMNS + 100


def _default_storage() -> dict[str, object]:
    """Where documents and import sources are kept: files under MEDIA_ROOT (KAIDAN_DATA_DIR/files), or, with
    KAIDAN_STORAGE=s3, a bucket of any S3-compatible object store through django-storages
    (docs/operations.md). Names are content-addressed, so objects are written once and never overwritten
    with other content; every read goes through Kaidan (no public or signed URLs are handed out)."""
    kind = os.environ.get("KAIDAN_STORAGE", "local").strip().lower()
    if kind != "s3":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("KAIDAN_S3_BUCKET", "kaidan"),
            "endpoint_url": os.environ.get("KAIDAN_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("KAIDAN_S3_REGION") or None,
            "access_key": os.environ.get("KAIDAN_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("KAIDAN_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("KAIDAN_S3_PREFIX", "").strip("/"),
            "default_acl": None,  # the bucket's own policy (private)
            "querystring_auth": True,
            "file_overwrite": True,  # content-addressed names: the same name is the same content
        },
    }


STORAGES = {
    "default": _default_storage(),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


def _email_config(url: str | None) -> dict[str, object]:
    """KAIDAN_EMAIL_URL: smtp://user:pass@host:port (smtp+tls:// STARTTLS, smtps://) or file:///dir."""
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(DATA_DIR / "mail"),
        }
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parsed.path,
        }
    if parsed.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parsed.hostname or "localhost",
        "EMAIL_PORT": parsed.port or 25,
        "EMAIL_HOST_USER": unquote(parsed.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
        "EMAIL_USE_TLS": parsed.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parsed.scheme == "smtps",
    }


globals().update(_email_config(os.environ.get("KAIDAN_EMAIL_URL")))
DEFAULT_FROM_EMAIL = os.environ.get("KAIDAN_DEFAULT_FROM_EMAIL", "kaidan@localhost")

# Served over HTTPS (KAIDAN_HTTPS=1, or a public address starting with https://): cookies only over HTTPS.
HTTPS = _env_bool("KAIDAN_HTTPS", BASE_URL.startswith("https://"))
SESSION_COOKIE_SECURE = _env_bool("KAIDAN_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # editing/grid-edit.js reads the token from the cookie (Django's own advice)
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (kaidan.core.csp); report-only sends it without enforcing it.
CSP_REPORT_ONLY = _env_bool("KAIDAN_CSP_REPORT_ONLY")
# Behind a reverse proxy that terminates TLS: trust its X-Forwarded-Proto (the proxy must overwrite it).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("KAIDAN_BEHIND_PROXY") else None

# The open-data portal's maps (kaidan.opendata): a tile URL such as
# https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png (地理院タイル) and its attribution. Empty (the
# default): points on a plain background, nothing fetched from elsewhere (docs/opendata.md).
MAP_TILE_URL = os.environ.get("KAIDAN_MAP_TILE_URL", "").strip()
MAP_TILE_ATTRIBUTION = os.environ.get("KAIDAN_MAP_TILE_ATTRIBUTION", "").strip()
# The ward's own address list (住所 / 緯度 / 経度, e.g. one row per 町丁目) that places rows with an address but
# no coordinates on the maps (kaidan.catalog.geocode); empty turns geocoding off. Nothing is sent elsewhere.
GEOCODE_DATASET = os.environ.get("KAIDAN_GEOCODE_DATASET", "town-coordinates").strip()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KAIDAN_LOG_LEVEL", "WARNING")},
}

KAIDAN_WEBHOOK_BACKOFF = _env_int("KAIDAN_WEBHOOK_BACKOFF", 30)
"""Seconds before a failed webhook delivery's second attempt (doubling after each further failure)."""
KAIDAN_WEBHOOK_LEASE = _env_int("KAIDAN_WEBHOOK_LEASE", 300)
"""Seconds a claimed delivery waits before another worker may try it (when the first died mid-send)."""
