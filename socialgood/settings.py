"""socialgood's one settings module: everything comes from SOCIALGOOD_* environment variables.

The README's configuration table lists every variable; keep the two in step.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
import platformdirs
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent


def envbool(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(
    os.environ.get("SOCIALGOOD_DATA_DIR")
    or platformdirs.user_data_dir("socialgood", appauthor=False)
).expanduser()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key():
    # Generated once into the data directory, so a fresh install needs no setup and
    # sessions survive restarts; deployments may pass it in instead.
    if os.environ.get("SOCIALGOOD_SECRET_KEY"):
        return os.environ["SOCIALGOOD_SECRET_KEY"]
    path = DATA_DIR / "secret.key"
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
        os.replace(tmp, path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("SOCIALGOOD_DEBUG", False)
ALLOWED_HOSTS = envlist("SOCIALGOOD_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("SOCIALGOOD_CSRF_TRUSTED_ORIGINS", [])
MASTER_KEY_FILE = Path(
    os.environ.get("SOCIALGOOD_MASTER_KEY_FILE") or DATA_DIR / "master.key"
).expanduser()

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "socialgood.projects",
    "socialgood.jobs",
    "socialgood.collect",
    "socialgood.analyze",
    "socialgood.coding",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "socialgood.urls"
WSGI_APPLICATION = "socialgood.wsgi.application"

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
    }
]

# SQLite in the data directory unless a URL says otherwise. WAL lets readers work
# while an import writes; IMMEDIATE takes the write lock at BEGIN, so two writers
# queue on the busy timeout instead of failing mid-transaction with "database is locked".
DATABASE_URL = (
    os.environ.get("SOCIALGOOD_DATABASE_URL") or f"sqlite:///{DATA_DIR / 'socialgood.sqlite3'}"
)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
            " PRAGMA secure_delete=ON;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("SOCIALGOOD_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the package (finders) and warns when this folder is missing.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGE_DIR = Path(os.environ.get("SOCIALGOOD_STORAGE_DIR") or DATA_DIR / "files").expanduser()
MEDIA_ROOT = STORAGE_DIR
UPLOAD_DIR = STORAGE_DIR / "uploads"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # No manifest: the app must serve its pages without a collectstatic step.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Browser uploads stream to disk in chunks; this caps one upload, in megabytes.
MAX_UPLOAD_MB = envint("SOCIALGOOD_MAX_UPLOAD_MB", 2048)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Security: secure cookies and HSTS whenever debug is off. `socialgood demo` turns
# secure cookies off because it serves plain HTTP on this computer only.
SECURE_COOKIES = envbool("SOCIALGOOD_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if envbool("SOCIALGOOD_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Post media stay on the platforms' servers; loading them would tell the
        # platforms who is studying whom, so pages show links and alt text instead.
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SOCIALGOOD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Mail (retention warnings to owners). Without a host, mail is written to the log's console.
EMAIL_HOST = os.environ.get("SOCIALGOOD_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("SOCIALGOOD_EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("SOCIALGOOD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SOCIALGOOD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("SOCIALGOOD_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("SOCIALGOOD_EMAIL_FROM", "socialgood@localhost")

# A job whose worker has not reported for this long is taken to be dead.
JOB_STALE_AFTER_SECONDS = envint("SOCIALGOOD_JOB_STALE_AFTER", 300)
JOB_MAX_ATTEMPTS = envint("SOCIALGOOD_JOB_MAX_ATTEMPTS", 3)
