"""The one settings module. Everything that differs between machines comes from the environment.

See docs/operations.md for the list of variables.
"""

from __future__ import annotations

import ipaddress
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from jiuzhu.api.rates import Rate
from jiuzhu.envconfig import Env
from jiuzhu.keyconfig import load_keys

env = Env()
BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("JIUZHU_VAR_DIR", str(BASE_DIR / "var")))
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)  # the default database and static root live here

DEBUG = env.bool("DEBUG", False)
TESTING = env.bool("JIUZHU_TESTING", "pytest" in sys.modules)

# A frozen clock handed down from a test to the processes it starts (see core.clock). A production
# server must never run on one by accident.
if env.str("JIUZHU_FROZEN_AT") and not (DEBUG or TESTING):
    raise ImproperlyConfigured("JIUZHU_FROZEN_AT (a frozen clock) is only allowed with DEBUG or in tests")

# The training copy (培训环境): its own database (make train keeps it under var/training/), a band on every page,
# "培训" across every document, and a clock an administrator moves forward (core.clock, core.training). The
# offset of that clock is a file next to the database, read by every process of the copy.
JIUZHU_TRAINING = env.bool("JIUZHU_TRAINING", False)
JIUZHU_TRAINING_CLOCK_FILE = (
    Path(env.str("JIUZHU_TRAINING_CLOCK_FILE", str(VAR_DIR / "training-clock.json")))
    if JIUZHU_TRAINING
    else None
)

SECRET_KEY = env.str("SECRET_KEY")
if not SECRET_KEY and TESTING:
    SECRET_KEY = "test-only-secret-key-" + "x" * 32
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-DEBUG"  # noqa: S105 - debug only
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

# Keys of the field encryption (ID and bank account numbers, personal information law), of the blind index and
# of the audit MAC, with the algorithm suite (AES or SM4, 密评): see jiuzhu/keyconfig.py and docs/operations.md.
KEYS = load_keys(env, debug=DEBUG, testing=TESTING, var_dir=VAR_DIR)
# The implementation behind `jiuzhu.core.crypto` (a certified cryptographic module can replace it).
JIUZHU_CRYPTO_PROVIDER = env.str("JIUZHU_CRYPTO_PROVIDER", "jiuzhu.core.crypto.local.LocalProvider")
# Signed checkpoints of the audit chain heads (core.audit_checkpoints): a directory outside the database, and
# optionally syslog ("/dev/log" or "host:514") for shipping to the log server.
JIUZHU_AUDIT_CHECKPOINT_DIR = Path(env.str("JIUZHU_AUDIT_CHECKPOINT_DIR", str(VAR_DIR / "audit-checkpoints")))
JIUZHU_AUDIT_SYSLOG = env.str("JIUZHU_AUDIT_SYSLOG", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # serves the API docs page's swagger-ui from our own static files (no CDN)
    "jiuzhu.core",
    "jiuzhu.orgs",
    "jiuzhu.registry",
    "jiuzhu.cases",
    "jiuzhu.benefits",
    "jiuzhu.payments",
    "jiuzhu.documents",
    "jiuzhu.archive",
    "jiuzhu.supervision",
    "jiuzhu.monitoring",
    "jiuzhu.portal",
    "jiuzhu.api",
    "jiuzhu.events",
    "jiuzhu.console",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "jiuzhu.api.middleware.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiuzhu.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiuzhu.orgs.middleware.PasswordPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "jiuzhu.core.middleware.RequestContextMiddleware",
    "jiuzhu.core.middleware.RefuseNulMiddleware",
    "jiuzhu.core.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiuzhu.urls"
WSGI_APPLICATION = "jiuzhu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiuzhu" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "jiuzhu.core.context_processors.navigation",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'jiuzhu.sqlite3'}"
try:
    DATABASES = {"default": dj_database_url.parse(env.str("DATABASE_URL", _default_db), conn_max_age=60)}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database address: {exc}") from None
if DATABASES["default"]["ENGINE"] not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    raise ImproperlyConfigured("DATABASE_URL must point to SQLite or PostgreSQL")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE avoids lock-upgrade deadlocks between two writers; WAL lets readers go on meanwhile.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env.str("JIUZHU_SQLITE_TEST_NAME", "") or None}
# Reports may read from a PostgreSQL streaming replica (jiuzhu.core.replica); only report reads go there.
if env.str("DATABASE_REPLICA_URL", ""):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL to be PostgreSQL")
    try:
        DATABASES["replica"] = dj_database_url.parse(env.str("DATABASE_REPLICA_URL"), conn_max_age=60)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a valid database address: {exc}") from None
    # Tests: the replica replays the primary's test database; Django must not create one there.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["jiuzhu.core.replica.ReplicaRouter"]
# The owner role that runs the migrations (`manage.py migrate_as_owner`); DATABASE_URL is the runtime role,
# which may not change or delete audit rows (core.dbroles, docs/operations.md).
DATABASE_MIGRATE_URL = env.str("DATABASE_MIGRATE_URL", "")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
# 等保 身份鉴别 (PI2): at least 10 characters of three of four classes, none of the last five; expiry and the
# second factor are policy parameters (orgs.policy).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "jiuzhu.orgs.passwords.CharacterClassesValidator"},
    {"NAME": "jiuzhu.orgs.passwords.HistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout: by user name, not by address, so that one township office behind one NAT address is not
# locked out by a colleague's typos.
AXES_FAILURE_LIMIT = env.int("JIUZHU_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("JIUZHU_LOGIN_LOCKOUT_MINUTES", 30, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Locking by address would lock a whole township office behind one NAT address (see above).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# The training copy may run next to the demo on the same host: its cookies must not log one out of the other.
if JIUZHU_TRAINING:
    SESSION_COOKIE_NAME = "jiuzhu_training_sessionid"
    CSRF_COOKIE_NAME = "jiuzhu_training_csrftoken"
SESSION_COOKIE_AGE = 60 * env.int("JIUZHU_SESSION_MINUTES", 120, minimum=5)
SESSION_SAVE_EVERY_REQUEST = True  # idle expiry: the clock restarts with each request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
_https = env.bool("JIUZHU_HTTPS", False)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https and env.bool("JIUZHU_SSL_REDIRECT", False)
# Behind the county's TLS proxy (nginx, or a 国密 SSL gateway), which terminates HTTPS and sets
# X-Forwarded-Proto: without trusting that header Django would take every request for plain HTTP — no HSTS, and
# SECURE_SSL_REDIRECT would redirect forever. The proxy must overwrite the header a client sends.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("JIUZHU_BEHIND_TLS_PROXY", _https) else None
)
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["jiuzhu.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "jiuzhu" / "static"]
WHITENOISE_USE_FINDERS = True  # serve straight from the source tree; collectstatic is optional
MEDIA_ROOT = Path(env.str("JIUZHU_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: attachments go through a view that checks scope

_storage = env.choice("JIUZHU_STORAGE", "filesystem", ("filesystem", "s3"))
if _storage == "s3":
    _bucket = env.str("JIUZHU_S3_BUCKET")
    if not _bucket:
        raise ImproperlyConfigured("JIUZHU_S3_BUCKET is required when JIUZHU_STORAGE=s3")
    _default_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": _bucket,
            "endpoint_url": env.str("JIUZHU_S3_ENDPOINT") or None,
            "access_key": env.str("JIUZHU_S3_ACCESS_KEY"),
            "secret_key": env.str("JIUZHU_S3_SECRET_KEY"),
            "default_acl": None,
            "querystring_auth": True,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
UPLOAD_MAX_BYTES = env.int("JIUZHU_UPLOAD_MAX_MB", 20, minimum=1, maximum=2048) * 1024 * 1024
IMPORT_MAX_BYTES = env.int("JIUZHU_IMPORT_MAX_MB", 200, minimum=1, maximum=4096) * 1024 * 1024
# Spreadsheets users import (core.tables): checked against these before anything is parsed. A workbook is
# parsed in a child process limited to IMPORT_PARSER_MEMORY_BYTES of address space and
# IMPORT_PARSER_SECONDS of CPU time, so a file that crashes the native parser fails only its upload.
IMPORT_MAX_ROWS = env.int("JIUZHU_IMPORT_MAX_ROWS", 2_000_000, minimum=10, maximum=100_000_000)
IMPORT_MAX_COLUMNS = env.int("JIUZHU_IMPORT_MAX_COLUMNS", 200, minimum=5, maximum=16_384)
IMPORT_MAX_CELLS = env.int("JIUZHU_IMPORT_MAX_CELLS", 40_000_000, minimum=1000, maximum=2_000_000_000)
IMPORT_MAX_UNPACKED_BYTES = (
    env.int("JIUZHU_IMPORT_MAX_UNPACKED_MB", 2048, minimum=1, maximum=65_536) * 1024 * 1024
)
IMPORT_MAX_RATIO = env.int("JIUZHU_IMPORT_MAX_RATIO", 200, minimum=10, maximum=100_000)
IMPORT_MAX_LINE_CHARS = env.int("JIUZHU_IMPORT_MAX_LINE_KB", 64, minimum=1, maximum=65_536) * 1024
IMPORT_PARSER_MEMORY_BYTES = (
    env.int("JIUZHU_IMPORT_PARSER_MEMORY_MB", 3072, minimum=256, maximum=1_048_576) * 1024 * 1024
)
IMPORT_PARSER_SECONDS = env.int("JIUZHU_IMPORT_PARSER_SECONDS", 600, minimum=5, maximum=86_400)
UPLOAD_VIDEO_MAX_BYTES = env.int("JIUZHU_UPLOAD_VIDEO_MAX_MB", 200, minimum=1, maximum=4096) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env.choice(
            "JIUZHU_TASK_BACKEND",
            # Tests run tasks at once, in the request that queued them.
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
            ("django_tasks_db.DatabaseBackend", "django_tasks.backends.immediate.ImmediateBackend"),
        )
    }
}

# The address printed in QR codes of official documents (verification page); the product's own
# public address as citizens reach it.
PUBLIC_BASE_URL = env.str("JIUZHU_PUBLIC_BASE_URL", "http://127.0.0.1:8000" if DEBUG or TESTING else "")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    # Printed into the QR code of every issued document: a wrong address cannot be corrected afterwards.
    raise ImproperlyConfigured(
        "JIUZHU_PUBLIC_BASE_URL is required when DEBUG is off (e.g. https://jiuzhu.example.gov.cn)"
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("JIUZHU_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR")),
    },
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "ERROR"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50


def _rate(name: str, default: str) -> str:
    """A rate limit "N/unit" (unit s, min, hour, day); a bad value stops the start."""

    value = env.str(name, default)
    try:
        Rate.parse(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return value


# Rate limits (docs/api.md): API calls per token or user, anonymous API calls per address, and the portal's
# public forms per address (the status query also per application number, against guessing ID numbers).
JIUZHU_RATES = {
    "api_user": _rate("JIUZHU_API_RATE_USER", "600/min"),
    "api_anon": _rate("JIUZHU_API_RATE_ANON", "60/min"),
    "portal_query": _rate("JIUZHU_PORTAL_QUERY_RATE", "10/hour"),
    "portal_query_number": _rate("JIUZHU_PORTAL_QUERY_NUMBER_RATE", "20/day"),
    "portal_submit": _rate("JIUZHU_PORTAL_SUBMIT_RATE", "10/hour"),
    "portal_complaint": _rate("JIUZHU_PORTAL_COMPLAINT_RATE", "10/hour"),
    "portal_phone": _rate("JIUZHU_PORTAL_PHONE_RATE", "20/hour"),
}
# One-time codes confirming a member's online consent (A3, portal/phone.py): "" none (online signing is
# refused), "log" (development), "locmem" (tests, demos), or the dotted path of a gateway's send(phone, text).
JIUZHU_SMS_BACKEND = env.str("JIUZHU_SMS_BACKEND", "log")
JIUZHU_IDEMPOTENCY_HOURS = env.int("JIUZHU_IDEMPOTENCY_HOURS", 24, minimum=1, maximum=720)
# Webhooks: seconds to wait for a receiver, attempts before giving up, first retry delay (doubled each time).
JIUZHU_WEBHOOK_TIMEOUT = env.int("JIUZHU_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=120)
JIUZHU_WEBHOOK_MAX_ATTEMPTS = env.int("JIUZHU_WEBHOOK_MAX_ATTEMPTS", 8, minimum=1, maximum=30)
JIUZHU_WEBHOOK_RETRY_SECONDS = env.int("JIUZHU_WEBHOOK_RETRY_SECONDS", 60, minimum=1, maximum=86400)
# Networks webhooks may be sent to although they are internal (events.ssrf), e.g. "10.20.0.0/16".
JIUZHU_WEBHOOK_ALLOWED_NETWORKS = env.list("JIUZHU_WEBHOOK_ALLOWED_NETWORKS", [])
try:
    [ipaddress.ip_network(n, strict=False) for n in JIUZHU_WEBHOOK_ALLOWED_NETWORKS]
except ValueError as exc:
    raise ImproperlyConfigured(f"JIUZHU_WEBHOOK_ALLOWED_NETWORKS: {exc}") from None
# Where complaints from the portal are answered by phone (S12); shown on the portal.
JIUZHU_PORTAL_HOTLINE = env.str("JIUZHU_PORTAL_HOTLINE", "12345")

JIUZHU_TRUST_X_FORWARDED_FOR = env.bool("JIUZHU_TRUST_X_FORWARDED_FOR", False)

# A payroll run whose worker stopped beating this long ago is taken over by the next run.
PAYROLL_STALE_MINUTES = env.int("JIUZHU_PAYROLL_STALE_MINUTES", 10, minimum=1)
# Townships written at once by a payroll run on PostgreSQL (about one per core of the database server).
PAYROLL_WORKERS = env.int("JIUZHU_PAYROLL_WORKERS", 2, minimum=1)

# Background workers (manage.py run_worker): a heartbeat every few seconds; pages say no worker runs when
# none has beaten for this long. A job's work is tried this many times when the database is busy or
# unreachable, waiting this long before the second try and twice as long before each further one.
JIUZHU_WORKER_BEAT_SECONDS = env.int("JIUZHU_WORKER_BEAT_SECONDS", 5, minimum=1, maximum=300)
JIUZHU_WORKER_STALE_SECONDS = env.int("JIUZHU_WORKER_STALE_SECONDS", 60, minimum=10, maximum=3600)
JIUZHU_JOB_ATTEMPTS = env.int("JIUZHU_JOB_ATTEMPTS", 4, minimum=1, maximum=20)
JIUZHU_JOB_RETRY_SECONDS = env.int("JIUZHU_JOB_RETRY_SECONDS", 2, minimum=0, maximum=600)
