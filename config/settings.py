"""Settings for Thesaban, read from the environment only.

With nothing set, this is a development configuration against the local PostGIS database that
`make run` prepares. A deployment sets DEBUG=false, SECRET_KEY (or SECRET_KEY_FILE), ALLOWED_HOSTS
and DATABASE_URL; a missing or malformed value stops the process with a message naming it.
"""

import datetime
from pathlib import Path

import dj_database_url
import fontpkg_sarabun
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is false")
    SECRET_KEY = "thesaban-development-only-not-secret"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is false")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

# The local database made by scripts/bootstrap.sh; THESABAN_DB_NAME lets several checkouts coexist.
DEFAULT_DATABASE_URL = f"postgis://thesaban:thesaban@127.0.0.1:5432/{env_str('THESABAN_DB_NAME', 'thesaban')}"


def _database(url: str) -> dict:
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if config["ENGINE"] not in ("django.contrib.gis.db.backends.postgis", "django.db.backends.postgresql"):
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL with PostGIS (postgis://...)")
    config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database(env_str("DATABASE_URL") or DEFAULT_DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.gis",
    "django.contrib.postgres",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "procrastinate.contrib.django",
    "axes",
    "csp",
]
# Our own apps; each may offer `<app>/api/urls.py`, mounted under /api/v1/ (config/api_urls.py).
THESABAN_APPS = [
    "municipalities",
    "assets",
    "taxes",
    "maps",
    "fixtures",
    "jobs",
    "works",
    "rasters",
    "dataio",
    "audit",
    "catalogue",
]
INSTALLED_APPS += THESABAN_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "maps.middleware.TileMiddleware",  # vector tiles before CSP (a tile is no document), sessions, tenancy
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "municipalities.middleware.RejectNulMiddleware",  # %00 is a 400, never a database error
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "municipalities.middleware.MunicipalityMiddleware",
    "municipalities.modules.ModuleGateMiddleware",  # a module the municipality hides answers 404
    "simple_history.middleware.HistoryRequestMiddleware",
    "audit.middleware.PermissionDenialMiddleware",
    "axes.middleware.AxesMiddleware",
]

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
                "django.template.context_processors.i18n",
                "municipalities.context_processors.municipality",
                "catalogue.context_processors.branding",
            ],
            "builtins": ["municipalities.templatetags.thai"],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins are counted per username and address; the fifth in a row locks that pair out
# for 15 minutes (django-axes). Calls of authenticate() without a request are not counted.
AUTHENTICATION_BACKENDS = ["audit.backends.LoginThrottleBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # successful logins are logged by audit.AuthEvent
AXES_LOCKOUT_TEMPLATE = "audit/locked_out.html"
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = 1 if env_bool("BEHIND_PROXY", False) else None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Thai first, English second. Source strings are Thai; locale/en holds the English catalogue.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("ไทย")), ("en", _("อังกฤษ"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static", ("fonts/sarabun", fontpkg_sarabun.ROOT / "files")]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)  # one working day

# Content Security Policy (django-csp): everything comes from our own origin, nothing from a CDN;
# no inline scripts but a map's own (folium's), which carries the request's nonce (maps/_map.html;
# the header names a nonce only on pages that use one). Inline style attributes remain allowed (the
# admin and OpenLayers use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "procrastinate": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # every login attempt at INFO; audit.AuthEvent records them already
        "weasyprint.progress": {"level": "WARNING"},  # "Step 2 - Fetching and parsing CSS" for every PDF
        "numexpr": {"level": "WARNING"},  # "NumExpr defaulting to 2 threads" on import
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thesaban API",
    "DESCRIPTION": "ทะเบียนทรัพย์สิน ภาษีที่ดินและสิ่งปลูกสร้าง ภาษีป้าย และโครงสร้างพื้นฐานของเทศบาล",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Fields named "kind" carry different choices in several apps: name them (an owner's kind in the
    # register is not the calculator's taxpayer kind).
    "ENUM_NAME_OVERRIDES": {
        "TaxKindEnum": "taxes.choices.TaxKind",
        "OwnerKindEnum": "assets.choices.OwnerKind",
        "TaxpayerKindEnum": "taxes.rules.land_building.OWNER_KINDS",
    },
}

# Background work (imports, assessment runs, raster processing) runs in a Procrastinate worker
# on the same PostgreSQL database; `make run` starts one beside the web server.
PROCRASTINATE_AUTODISCOVER_MODULE_NAME = "tasks"

# Debian 12 ships GDAL 3.6, which cannot forbid network access from a malicious spatial reference.
# GeoDjango here only parses geometries from forms and our own database; uploaded files are read by
# pyogrio/rasterio with the newer GDAL bundled in their wheels.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# Uploaded rasters (orthophotos, DEMs, flood maps) above this size are refused before anything is stored.
RASTER_MAX_UPLOAD_BYTES = env_int("RASTER_MAX_UPLOAD_BYTES", 500 * 1024 * 1024)
# Residents' complaint form (the one page without login): reports accepted per address and hour.
COMPLAINT_FORM_RATE_PER_HOUR = env_int("COMPLAINT_FORM_RATE_PER_HOUR", 10)

# Demo data is synthetic; pages say so while this is on (see fixtures/).
THESABAN_DEMO = env_bool("THESABAN_DEMO", default=DEBUG)

# Vector tiles kept in each server process's memory (maps/cache.py), in megabytes; 0 turns the cache off.
MAPS_TILE_CACHE_MB = env_int("MAPS_TILE_CACHE_MB", 256)

# Imports (dataio): the largest upload accepted, and what a zip may expand to (4× that).
DATAIO_MAX_UPLOAD_BYTES = env_int("DATAIO_MAX_UPLOAD_BYTES", 512 * 1024 * 1024)

# National roll-up (catalogue app): packages written by `export_national` and the merged national view.
NATIONAL_ROLLUP_DIR = Path(env_str("NATIONAL_ROLLUP_DIR") or BASE_DIR / "var" / "national")
