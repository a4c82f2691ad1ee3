"""One settings module, driven by environment variables (GGZY_*).

Embedded default: SQLite (WAL) under ./var, database-backed task queue, logged notifier.
Production: GGZY_DATABASE_URL=postgres://..., GGZY_SECRET_KEY, GGZY_DEBUG=0, GGZY_ALLOWED_HOSTS.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

SRC_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(os.environ.get("GGZY_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Production unless told otherwise: `make run` (and the test suite) set GGZY_DEBUG=1 explicitly.
DEBUG = env_bool("GGZY_DEBUG", False)
SECRET_KEY = os.environ.get("GGZY_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "生产模式（GGZY_DEBUG=0）必须设置 GGZY_SECRET_KEY（至少50个随机字符）；本机开发请用 make run。"
            " / Production mode (GGZY_DEBUG=0) needs GGZY_SECRET_KEY (50+ random characters); for a "
            "development server use `make run`."
        )
    SECRET_KEY = "ggzy-embedded-development-key-not-for-production"  # noqa: S105
ALLOWED_HOSTS = [h for h in os.environ.get("GGZY_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GGZY_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Name of the platform as the portal shows it; the node tree says which province it serves.
PLATFORM_NAME = os.environ.get("GGZY_PLATFORM_NAME", "公共资源交易平台")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ggzy.kernel",
    "ggzy.exchange",
    "ggzy.registry",
    "ggzy.catalogue",
    "ggzy.trading",
    "ggzy.bidding",
    "ggzy.experts",
    "ggzy.evaluation",
    "ggzy.services",
    "ggzy.credit",
    "ggzy.supervision",
    "ggzy.web",
    "ggzy.disclosure",
    "ggzy.analytics",
    "ggzy.demo",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ggzy.web.middleware.StaffSessionMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login
]

ROOT_URLCONF = "ggzy.urls"
WSGI_APPLICATION = "ggzy.wsgi.application"
ASGI_APPLICATION = "ggzy.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ggzy.web.context.platform",
            ],
        },
    },
]


def database_config(url: str) -> dict[str, object]:
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'ggzy.sqlite3'}"
    config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
        # writers queue instead of failing half-way when one upgrades a read lock. synchronous=FULL:
        # every commit is on disk before it returns (NORMAL in WAL mode may lose the latest commits on a
        # power cut, and a receipt may only be sent for a durable bid).
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
        }
    elif config["ENGINE"] == "django.db.backends.postgresql" and env_bool("GGZY_DB_POOL", not DEBUG):
        # Production: a connection pool per worker process instead of a new connection per request
        # (Django's native psycopg pool; persistent CONN_MAX_AGE connections are not for ASGI).
        config["OPTIONS"] = {
            "pool": {"min_size": 2, "max_size": int(os.environ.get("GGZY_DB_POOL_SIZE", "10"))}
        }
    # One test database per test process, so that suites run side by side do not trample each other.
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-ggzy-{os.getpid()}.sqlite3")}
    else:
        config["TEST"] = {"NAME": f"test_{config['NAME']}_{os.getpid()}"}
    return config


DATABASES = {"default": database_config(os.environ.get("GGZY_DATABASE_URL", ""))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:workspace"
LOGOUT_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"  # filled by `ggzy collectstatic` in production
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Front-end packages come from npm at setup (package.json); never copied into the repo by hand.
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "files"

# Bid envelopes arrive in chunks of up to 4 MiB (bidding.actions.CHUNK_SIZE) as raw request bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Sessions: a working day for market entities and the public; staff (operators, regulators, experts,
# administrators) are signed out after STAFF_SESSION_IDLE_SECONDS without a request (web.middleware).
SESSION_COOKIE_AGE = int(os.environ.get("GGZY_SESSION_SECONDS", str(8 * 3600)))
STAFF_SESSION_IDLE_SECONDS = int(os.environ.get("GGZY_STAFF_SESSION_IDLE_SECONDS", "1800"))
# HTTPS in production: redirect, HSTS for a year. Behind a TLS-terminating proxy set
# GGZY_PROXY_SSL_HEADER=1 so that X-Forwarded-Proto: https counts as secure.
SECURE_SSL_REDIRECT = env_bool("GGZY_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("GGZY_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GGZY_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("GGZY_HSTS_PRELOAD", True)
if env_bool("GGZY_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content Security Policy (django-csp): only the platform's own scripts, styles and images; no inline
# script or style anywhere (the browser tests run under it).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
# Failed sign-ins (django-axes): after AXES_FAILURE_LIMIT failures for one username from one address,
# that pair is locked for AXES_COOLOFF_TIME ([U] operations choice); every failure is in the audit trail.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("GGZY_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("GGZY_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "ggzy.web.middleware.locked_out"
AXES_VERBOSE = False

# Background work: django.tasks. Embedded: the database backend and `ggzy serve` runs its worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("GGZY_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# How often the chronograph sweeps for due time-driven transitions (seconds).
CHRONOGRAPH_INTERVAL = float(os.environ.get("GGZY_CHRONOGRAPH_INTERVAL", "5"))
# Signed audit checkpoints: the chronograph signs one every this many minutes when there is any new event
# (kernel.checkpoints; a fixed interval, never a number of events).
CHECKPOINT_INTERVAL = float(os.environ.get("GGZY_CHECKPOINT_INTERVAL", "10"))
# Where notifications go: "logged" keeps them in the database and the log (embedded).
NOTIFIER = os.environ.get("GGZY_NOTIFIER", "ggzy.kernel.notify.LoggedNotifier")
# Certificate authorities whose certificates every node accepts (R3.2 互认; registry/certificates.py):
# every SM2 CA certificate (PEM/DER) in GGZY_CA_ROOTS_DIR, plus the files listed in GGZY_CA_ROOT_FILES
# (separated by the path separator), each CA's CRL (*.crl, *.crl.pem) in the same folder. `ggzy demo` and
# `ggzy simulate` add the demo CA there (its key in GGZY_DEMO_CA_KEY_FILE). Without a current CRL of the
# issuing CA a certificate is refused, unless GGZY_CA_REQUIRE_CRL=0.
CA_ROOTS_DIR = Path(os.environ.get("GGZY_CA_ROOTS_DIR", VAR_DIR / "ca"))
CA_ROOT_FILES = [p for p in os.environ.get("GGZY_CA_ROOT_FILES", "").split(os.pathsep) if p.strip()]
CA_REQUIRE_CRL = env_bool("GGZY_CA_REQUIRE_CRL", True)
DEMO_CA_KEY_FILE = Path(os.environ.get("GGZY_DEMO_CA_KEY_FILE", VAR_DIR / "keys" / "demo-ca.key.pem"))
# A certificate's proof-of-possession challenge and an account reset code live this long (seconds).
CERTIFICATE_CHALLENGE_SECONDS = int(os.environ.get("GGZY_CERTIFICATE_CHALLENGE_SECONDS", "300"))
PASSWORD_RESET_SECONDS = int(os.environ.get("GGZY_PASSWORD_RESET_SECONDS", "86400"))
# The platform's SM2 key (signs receipts and published data). Embedded: generated once under var/keys.
PLATFORM_KEY_FILE = Path(os.environ.get("GGZY_PLATFORM_KEY_FILE", VAR_DIR / "keys" / "platform.key.pem"))
# RFC 3161 time-stamping authority for receipts (kernel/timestamping.py): its URL and certificate (PEM),
# optionally the CA chain. Unset: the embedded local authority, whose key (with its self-signed
# certificate) lives in LOCAL_TSA_KEY_FILE; it is the operator's, so not independent.
TSA_URL = os.environ.get("GGZY_TSA_URL", "")
TSA_CERT_FILE = os.environ.get("GGZY_TSA_CERT_FILE", "")
TSA_ROOTS_FILE = os.environ.get("GGZY_TSA_ROOTS_FILE", "")
TSA_TIMEOUT_SECONDS = float(os.environ.get("GGZY_TSA_TIMEOUT_SECONDS", "5"))
if TSA_URL and not TSA_CERT_FILE:
    raise ImproperlyConfigured(
        "GGZY_TSA_URL needs GGZY_TSA_CERT_FILE: the TSA's certificate (PEM) tokens verify against"
    )
LOCAL_TSA_KEY_FILE = Path(os.environ.get("GGZY_LOCAL_TSA_KEY_FILE", VAR_DIR / "keys" / "local-tsa.pem"))
# Public comment period for a new trading catalogue, in days ([U]: 国务院令第713号 第14条 "一般不少于30日").
CATALOGUE_COMMENT_DAYS = int(os.environ.get("GGZY_CATALOGUE_COMMENT_DAYS", "30"))
# Keys for the digests of practitioners' and experts' ID numbers (set them once in production, never change).
CREDIT_ID_KEY = os.environ.get("GGZY_CREDIT_ID_KEY", "")
EXPERT_ID_KEY = os.environ.get("GGZY_EXPERT_ID_KEY", "")
# Open data: the OCDS ocid prefix OCP registers for the publisher, and the portal's public address.
OCDS_OCID_PREFIX = os.environ.get("GGZY_OCDS_OCID_PREFIX", "ocds-ggzy00-")
PORTAL_BASE_URL = os.environ.get("GGZY_PORTAL_BASE_URL", "http://127.0.0.1:8000")
# API tokens live this many days unless revoked.
API_TOKEN_DAYS = int(os.environ.get("GGZY_API_TOKEN_DAYS", "30"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {"ggzy": {"handlers": ["console"], "level": os.environ.get("GGZY_LOG_LEVEL", "INFO")}},
}
