"""Steward's one settings module: every value comes from the environment, checked at start-up."""

from __future__ import annotations

import os
from pathlib import Path

from steward.env import (
    ConfigurationError,
    env_bool,
    env_database,
    env_int,
    env_list,
    env_path,
    env_secret,
)

BASE_DIR = Path(__file__).resolve().parent

DEBUG = env_bool("STEWARD_DEBUG", default=False)
PRODUCTION = not DEBUG

DATA_DIR = env_path("STEWARD_DATA_DIR", default=Path.cwd() / "var")
KEY_FILE = env_path("STEWARD_KEY_FILE", default=DATA_DIR.parent / ".steward-keys" / "keys.json")

SECRET_KEY = env_secret("STEWARD_SECRET_KEY", required=PRODUCTION, data_dir=DATA_DIR)
ALLOWED_HOSTS = env_list(
    "STEWARD_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"] if DEBUG else []
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigurationError(
        "STEWARD_ALLOWED_HOSTS: set the host names this site answers to "
        "(comma-separated) when STEWARD_DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env_list("STEWARD_CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = os.environ.get("STEWARD_SITE_NAME", "Lakeland Research Partnerships")
# Where people reach this site, for links in mail (no trailing slash).
SITE_URL = os.environ.get("STEWARD_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
STATE_NAME = os.environ.get("STEWARD_STATE_NAME", "Lakeland")
PRIVACY_CONTACT = {
    "name": os.environ.get("STEWARD_PRIVACY_CONTACT_NAME", "Priya Raman, Chief Privacy Officer"),
    "email": os.environ.get("STEWARD_PRIVACY_CONTACT_EMAIL", "privacy@education.lakeland.gov"),
    "phone": os.environ.get("STEWARD_PRIVACY_CONTACT_PHONE", "(555) 010-2040"),
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "steward.core",
    "steward.accounts",
    "steward.agenda",
    "steward.portal",
    "steward.access",
    "steward.catalog",
    "steward.linkage",
    "steward.agreements",
    "steward.outputs",
    "steward.extracts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "steward.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "steward.accounts.middleware.RequireMfaForPrivilegedRoles",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "steward.urls"
WSGI_APPLICATION = "steward.wsgi.application"

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
                "steward.core.context.site",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", sqlite_path=DATA_DIR / "steward.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Accounts: email is the login; addresses are verified; failed logins are rate-limited.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_ADAPTER = "steward.accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "10/h/ip",
    "reset_password": "5/h/ip,3/h/key",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_TOTP_TOLERANCE = 1  # accept the code of the neighbouring 30-second window (clock drift)
MFA_RECOVERY_CODE_COUNT = 10

CACHES = {
    # Rate limits and one-time codes already used: in the database, so that every server
    # process (and host) sees them; a code used against one worker is refused by all.
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "steward_cache",
        "OPTIONS": {"MAX_ENTRIES": 100_000},
    },
    # Values kept per change of the database on the hot path of public pages, per process.
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Rendered public pages, shared by every server process (see steward.core.pagecache).
    "pages": {
        "BACKEND": "steward.core.pagestore.PageStore",
        "LOCATION": "steward_page_cache",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000, "CULL_FREQUENCY": 4},
    },
}
PAGE_CACHE = env_bool("STEWARD_PAGE_CACHE", default=True)

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("STEWARD_TIME_ZONE", "America/Chicago")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "uploads"
# Large uploads (agencies' files) spill to disk inside the data folder, readable by no one else,
# never to the system's shared temporary folder.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "incoming" / ".uploading"
FILE_UPLOAD_TEMP_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

SMTP_HOST = os.environ.get("STEWARD_SMTP_HOST", "")
if SMTP_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = SMTP_HOST
    EMAIL_PORT = int(os.environ.get("STEWARD_SMTP_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("STEWARD_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = env_secret("STEWARD_SMTP_PASSWORD", required=False, data_dir=None)
    EMAIL_USE_TLS = True
else:
    # Without a mail server, messages land as files an operator can read.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("STEWARD_FROM_EMAIL", "research@education.lakeland.gov")

# Security headers. Behind a reverse proxy that terminates TLS, the proxy sets X-Forwarded-Proto.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("STEWARD_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STEWARD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

NINJA_PAGINATION_PER_PAGE = 50

# Extracts and the workspace: the release check's limits, link lifetime, query limits.
EXTRACT_RISK_K = env_int("STEWARD_EXTRACT_RISK_K", default=5, minimum=2)
EXTRACT_RISK_MAX_SHARE = 0.05
EXTRACT_LINK_SECONDS = env_int("STEWARD_EXTRACT_LINK_SECONDS", default=900, minimum=60)
WORKSPACE_MEMORY_LIMIT = os.environ.get("STEWARD_WORKSPACE_MEMORY_LIMIT", "512MB")
WORKSPACE_SECONDS = env_int("STEWARD_WORKSPACE_SECONDS", default=20, minimum=1)
API_TOKEN_DEFAULT_DAYS = 90
