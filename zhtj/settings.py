"""Settings for 智慧团建.

No environment at all gives the embedded default: a SQLite file and Celery
tasks run eagerly in-process. DATABASE_URL / REDIS_URL switch to the production
shape (PostgreSQL, a Redis broker). ZHTJ_ENV=production turns on the hardening
that `manage.py check --deploy` asks for.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = os.environ.get("ZHTJ_ENV") == "production"
DEBUG = os.environ.get("ZHTJ_DEBUG", "0" if PRODUCTION else "1") == "1"
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "mptt",
    "django_fsm",
    "django_htmx",
    "axes",
    "zhtj.core",
    "orgs",
    "members",
    "transfers",
    "incentives",
    "rectification",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhtj.core.middleware.ActingOrgMiddleware",
    "zhtj.core.middleware.ForcePasswordChangeMiddleware",
    "orgs.middleware.KeyDomainGateMiddleware",
    "zhtj.core.middleware.OnceTokenMiddleware",
    # Last, so its lockout answer wraps everything above.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhtj.urls"
WSGI_APPLICATION = "zhtj.wsgi.application"

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
                "zhtj.core.context_processors.shell",
            ],
            "builtins": ["zhtj.core.templatetags.zhtj"],
        },
    }
]

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "members.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "members.validators.NotInitialPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire (SEC-02): two idle hours, and with the browser.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 2 * 3600))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Login throttling (ROLE-09): five failures lock the ID number from that address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "zhtj.core.errors.locked_out"
# Any attempt during a lockout (even with the right password) restarts the cool-off:
# it stops slow guessing at the edge of the window.
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
# The interface is Chinese only: LocaleMiddleware must not follow a browser that asks for English.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
_NODE = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"] + [
    (prefix, _NODE / path)
    for prefix, path in [
        ("vendor/bootstrap", "bootstrap/dist"),
        ("vendor/bootstrap-icons", "bootstrap-icons/font"),
        ("vendor/htmx", "htmx.org/dist"),
        ("vendor/echarts", "echarts/dist"),
    ]
    if (_NODE / path).exists()
]
# Serve from the finders too, so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploaded files live outside any public URL; views serve them after an access check (SEC-01).
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# A view may declare its own upload limit (`zhtj.core.uploads.upload_limit`): a larger body is
# refused while it is being parsed, before the rest of it is read (SEC-05).
FILE_UPLOAD_HANDLERS = [
    "zhtj.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# The beat schedule: every job of JOB-xx, each also `manage.py run_job NAME --date`.
CELERY_BEAT_SCHEDULE = {
    "expire_codes": {
        "task": "zhtj.core.tasks.run_scheduled_job",
        "schedule": crontab(minute=5),
        "args": ["expire_codes"],
    },
}

CSRF_FAILURE_VIEW = "zhtj.core.errors.csrf_failure"
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Every window, duration and limit of the SPEC, with the seeds' values as defaults.
ZHTJ = {
    "ADMINS_PER_ORG": 2,  # ORG-12
    "REGISTRATION_CODE_DAYS": 20,  # ORG-09
    "RESET_CODE_HOURS": 24,  # ROLE-07
    "RESET_CODE_MAX_TRIES": 5,  # ROLE-07: a code is burnt after this many wrong guesses
    "ONCE_TOKEN_SECONDS": 3600,  # BEY-06
    "INBOX_PAGE_SIZE": 50,
    "LIST_PAGE_SIZE": 50,
    "ORG_SHORT_NAME_MAX_LENGTH": 50,  # ORG-04 (decision): 组织简称 at most this many characters
    "SUBORG_BATCH_MAX_ROWS": 2000,  # ORG-08: rows per 批量创建下级组织 upload
    "IMPORT_ERRORS_SECONDS": 3600,  # BEY-03: failed rows kept for the error-workbook download
    # ORG-16 / JOB-01: the (month, day) marked branches of the year become 毕业生团组织.
    "GRADUATION_CONVERSION_DATE": (6, 1),
    "GRADUATION_MONTH_YEARS_AHEAD": 10,  # ORG-15 (decision): latest expected graduation year, from now
    "GRADUATION_CORRECTION_YEARS_BACK": 5,  # BEY-02 (decision): earliest corrected graduation year, from now
    "ORG_YOUTH_COUNT_MAX": 10000,  # ORG-07: 14-28周岁青年数
    "ORG_PARTY_RECOMMENDED_MAX": 1000,  # ORG-07: 年度经推入党团员数
    "ORG_STAFFING_MAX": 9999,  # ORG-07 (decision): upper bound of each staffing number
    "STUDENT_COUNT_MAX": 1000000,  # ORG-14 (decision): upper bound of 在校学生数
    "PROGRESS_PAGE_SIZE": 50,  # ORG-11: rows per page of 组织录入情况
    # ARC
    "ARCHIVE_REQUIRED_FROM_YEAR": 2020,  # ARC-01: members who joined in this year or later need an e-archive
    "ARCHIVE_DUE_DAYS": 30,  # ARC-01: days to upload, counted from the end of the join month
    "ARCHIVE_MAX_BYTES": 20 * 1024 * 1024,  # ARC-08: one PDF of at most 20 MB
}

# JOB-01: the June 1 graduate conversion, on the date of the setting above.
CELERY_BEAT_SCHEDULE["graduate_conversion"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(
        month_of_year=ZHTJ["GRADUATION_CONVERSION_DATE"][0],
        day_of_month=ZHTJ["GRADUATION_CONVERSION_DATE"][1],
        hour=1,
        minute=0,
    ),
    "args": ["graduate_conversion"],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"zhtj": {"handlers": ["console"], "level": "INFO"}},
}

if PRODUCTION:
    SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "1") == "1"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
