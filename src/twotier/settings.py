"""TwoTier settings: every value comes from TWOTIER_* environment variables.

Defaults run the embedded demo (SQLite database and SQLite-backed task queue in ./var).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from twotier.env import env_bool, env_int, env_list, env_optional, env_str

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Key of the audit chain HMAC; keep it outside the database (default: derived from SECRET_KEY).
TWOTIER_AUDIT_KEY = env_optional("AUDIT_KEY")
SECRET_KEY = env_str("SECRET_KEY", "insecure-demo-key-change-me-in-production-0123456789abcdef")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "huey.contrib.djhuey",
    "ninja",
    "twotier.core",
    "twotier.accounts",
    "twotier.org",
    "twotier.work",
    "twotier.procedures",
    "twotier.signing",
    "twotier.dossiers",
    "twotier.nationalportal",
    "twotier.payments",
    "twotier.web",
    "twotier.public",
    "twotier.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "twotier.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "twotier.web.middleware.CookieLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "twotier.core.middleware.NfcInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "twotier.accounts.middleware.SecurityProfileMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "twotier.urls"
WSGI_APPLICATION = "twotier.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "twotier.web.context.navigation",
            ],
        },
    }
]

# Database: SQLite in ./var by default, PostgreSQL (production) through TWOTIER_DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'twotier.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    DATABASES["default"]["TEST"] = {"NAME": env_optional("TEST_SQLITE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:my_work"
LOGOUT_REDIRECT_URL = "accounts:login"

# Security profile (DOMAIN.md section 6, level 3).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 8, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "twotier.accounts.passwords.ComplexityValidator"},
]
TWOTIER_MAX_FAILED_LOGINS = env_int("MAX_FAILED_LOGINS", 5, minimum=1)
TWOTIER_IDLE_TIMEOUT_SECONDS = env_int("IDLE_TIMEOUT_SECONDS", 15 * 60, minimum=60)
TWOTIER_DORMANT_DAYS = env_int("DORMANT_DAYS", 45, minimum=1)
TWOTIER_TOTP_ISSUER = env_str("TOTP_ISSUER", "TwoTier")
SESSION_COOKIE_AGE = TWOTIER_IDLE_TIMEOUT_SECONDS
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_TLS = env_bool("SECURE_TLS", False)
SESSION_COOKIE_SECURE = SECURE_TLS
CSRF_COOKIE_SECURE = SECURE_TLS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE_TLS:
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Internationalisation: Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
# The language switch is remembered for a year; without it the UI is Vietnamese whatever the browser asks.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SECURE = SECURE_TLS
USE_I18N = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [SRC_DIR / "static"]
# Uploads: limits, and a handler that stops reading a file past the size limit before Django buffers it.
TWOTIER_UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
TWOTIER_UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 50_000_000, minimum=1)
FILE_UPLOAD_HANDLERS = [
    "twotier.dossiers.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Background work: Huey, on SQLite by default and on Redis when TWOTIER_REDIS_URL is set.
REDIS_URL = env_optional("REDIS_URL")
HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("HUEY_NAME", "twotier"),
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("WORKERS", 2, minimum=1), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "twotier",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
        "consumer": {"workers": env_int("WORKERS", 2, minimum=1), "worker_type": "thread"},
    }

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
# Public base URL of the site (QR codes and e-mails carry full links when it is set).
TWOTIER_PUBLIC_URL = env_str("PUBLIC_URL", "")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "TwoTier <no-reply@twotier.local>")

# Digital signatures: the demo PKI lives in var/pki (never committed); production imports real certificates.
TWOTIER_PKI_DIR = Path(env_str("PKI_DIR", str(VAR_DIR / "pki")))
TWOTIER_PKI_PASSPHRASE = env_str("PKI_PASSPHRASE", "twotier-demo-pki-NOT-SECRET")  # public demo value
TWOTIER_PKI_KEY_TYPE = env_str("PKI_KEY_TYPE", "ecdsa-p256")  # or rsa-2048
TWOTIER_PKI_TRUST_ANCHORS = env_list("PKI_TRUST_ANCHORS", [])  # PEM files of trusted roots
TWOTIER_PKI_TRUST_DEMO_ROOT = env_bool("PKI_TRUST_DEMO_ROOT", True)  # turn off in production

# Working-day calendar.
TWOTIER_WORKDAY_PERIODS = env_str("WORKDAY_PERIODS", "07:30-11:30,13:30-17:30")
TWOTIER_WORKING_WEEKDAYS = env_str("WORKING_WEEKDAYS", "0,1,2,3,4")
TWOTIER_CUTOFF_TIME = env_str("CUTOFF_TIME", "15:00")
TWOTIER_CALENDAR_YEARS = env_str("CALENDAR_YEARS", "2025-2030")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
