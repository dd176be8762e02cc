"""Settings for 智慧团建.

No environment at all gives the embedded default: a SQLite file, and a real Celery worker
(`manage.py rundemo`, what `make demo` runs) reached through kombu's filesystem transport, with
the cache and the sessions in files under DEMO_DIR. DATABASE_URL / REDIS_URL switch to the
production shape (PostgreSQL, a Redis broker and cache). ZHTJ_ENV=production turns on the
hardening that `manage.py check --deploy` asks for.
"""

import hashlib
import os
import tempfile
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

PRODUCTION = os.environ.get("ZHTJ_ENV") == "production"
# The demo serves the product's own Chinese 404/403/500 pages; Django's technical pages are for
# developers who ask for them (ZHTJ_DEBUG=1, never in production).
DEBUG = os.environ.get("ZHTJ_DEBUG", "0") == "1"
# SEC-08: production refuses to start on this key, or without SECRET_KEY, DATABASE_URL, REDIS_URL
# (zhtj/core/checks.py).
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret-" + "x" * 40
SECRET_KEY_FROM_ENV = bool(os.environ.get("SECRET_KEY"))
SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
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
    "csp",
    "zhtj.core",
    "orgs",
    "members",
    "transfers",
    "incentives",
    "rectification",
    "zhtj.scale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # SEC-08: outermost but for SecurityMiddleware, so every response gets the headers, static files too.
    "csp.middleware.CSPMiddleware",
    "zhtj.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhtj.core.middleware.SessionRefreshMiddleware",  # SEC-02: renews an idle session's expiry
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhtj.core.middleware.ActingOrgMiddleware",
    "zhtj.core.errors.AlreadyHandledMiddleware",
    "zhtj.core.middleware.RefuseNulMiddleware",
    "zhtj.core.middleware.MethodNotAllowedPage",
    "zhtj.core.middleware.ForcePasswordChangeMiddleware",
    "orgs.middleware.KeyDomainGateMiddleware",
    "zhtj.core.middleware.OnceTokenMiddleware",
    # Last, so its lockout answer wraps everything above.
    "axes.middleware.AxesMiddleware",
]

# SEC-08: Content-Security-Policy (django-csp) on every response. Scripts and styles come from our
# static files only: no inline <script>, no on*= handlers, no style="" attributes (computed sizes
# are set from static/js/app.js through element.style, which CSP allows), no eval (htmx runs with
# allowEval off, see base.html). Bootstrap's CSS draws its form icons as data: SVG images. Stored
# PDFs carry their own policy, `sandbox` (zhtj.core.pdf.pdf_response); the middleware keeps it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# SEC-08: browser features no page of ours uses, switched off for the page and anything it frames.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
    "fullscreen": ["self"],
}

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

DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The demo's web server and its Celery worker share the file: readers never wait for the
    # worker's import transaction (WAL), and a writer waits for the other's lock (BEGIN IMMEDIATE,
    # a timeout) instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL;", transaction_mode="IMMEDIATE", timeout=30
    )
    # Tests get a file too, not Django's shared in-memory database: there concurrent connections
    # fail at once on table locks ("database table is locked") whatever BEGIN IMMEDIATE does, so the
    # race tests (tests/core/test_race_table.py) couldn't show what two writers on the demo get.
    _test_db = f"zhtj-test-{hashlib.sha1(str(BASE_DIR).encode()).hexdigest()[:8]}.sqlite3"
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), _test_db)}
# BEY-11 (docs/deployment.md): a streaming standby for the heavy read-only pages (zhtj/core/replica.py),
# and the URLs pointing at a PgBouncer in transaction mode.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
TRANSACTION_POOLER = os.environ.get("DATABASE_POOL_MODE", "") == "transaction"
if DATABASE_REPLICA_URL:
    # Tests run against the primary only: the replica alias mirrors it there.
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60) | {
        "TEST": {"MIRROR": "default"}
    }
    DATABASE_ROUTERS = ["zhtj.core.replica.ReplicaRouter"]
    # after the session and the user are loaded; before the session is saved
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
        "zhtj.core.replica.ReadRoutingMiddleware",
    )
for _db in DATABASES.values():
    if not _db["ENGINE"].endswith("postgresql"):
        continue
    if TRANSACTION_POOLER:
        # A pooled server connection serves another client at the next transaction: no cursor may
        # outlive its transaction (.iterator() would use one), and PgBouncer refuses the `options`
        # startup parameter (JIT is off per role there: docs/deployment.md).
        _db["DISABLE_SERVER_SIDE_CURSORS"] = True
    else:
        # PostgreSQL's JIT compiles any plan whose cost estimate is high (an aggregate over a province's
        # orgs): ~0.4 s of compiling for queries that then run in less. Pages and jobs here are short
        # OLTP statements, so it is off (measured in docs/benchmarks.md).
        _db.setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite, the demo default, gets the plain index.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "members.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # MEM: only for the public initial password of imported people (see members/hashers.py).
    "members.hashers.InitialPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "members.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "members.validators.CommonPasswordValidator"},
    {"NAME": "members.validators.NumericPasswordValidator"},
    {"NAME": "members.validators.NotInitialPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions expire (SEC-02): two idle hours, and with the browser. The expiry is pushed back at
# most once per ZHTJ["SESSION_REFRESH_SECONDS"] (zhtj.core.middleware.SessionRefreshMiddleware),
# not by a write of the session on every request.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 2 * 3600))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Login throttling (ROLE-09): five failures lock the ID number from that address; an address is
# locked as a whole after ZHTJ["LOGIN_IP_FAILURE_LIMIT"] failures on any accounts (members/throttling.py).
# Both for AXES_COOLOFF_TIME after the last failure.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]  # this order: LoginThrottle reads it
AXES_HANDLER = "members.throttling.LoginThrottle"
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
# Without Redis (the embedded default) the web server and the demo's worker still share their
# queue, results, cache (import progress, pending imports) and sessions: as files here.
DEMO_DIR = Path(os.environ.get("ZHTJ_DEMO_DIR", BASE_DIR / ".demo"))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = REDIS_URL
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": DEMO_DIR / "cache"}
    }
    # SQLite has one writer: sessions saved on every request must not queue behind an import's transaction.
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(DEMO_DIR / "queue"),
        "data_folder_out": str(DEMO_DIR / "queue"),
        "control_folder": str(DEMO_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{DEMO_DIR / 'results'}"
    for _folder in ("queue", "control", "results"):
        (DEMO_DIR / _folder).mkdir(parents=True, exist_ok=True)
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
    # BEY-06: used one-time form tokens older than ONCE_TOKEN_SECONDS
    "expire_once_tokens": {
        "task": "zhtj.core.tasks.run_scheduled_job",
        "schedule": crontab(minute=35),
        "args": ["expire_once_tokens"],
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
    # ROLE-09 (decision): failed logins from one address, on any accounts, within AXES_COOLOFF_TIME
    # (15 min) before the address is locked. A school behind one NAT: a 2,000-login rush in 15
    # minutes with 3% typos is 60 failures, under this; one address guessing the initial password
    # of thousands of accounts is held to 100 tries a quarter-hour.
    "LOGIN_IP_FAILURE_LIMIT": int(os.environ.get("ZHTJ_LOGIN_IP_FAILURE_LIMIT", 100)),
    "INBOX_PAGE_SIZE": 50,
    # SEC-02 (decision): an idle session's expiry is renewed at most this often, so it ends between
    # SESSION_COOKIE_AGE minus this and SESSION_COOKIE_AGE after the last request
    "SESSION_REFRESH_SECONDS": 60,
    # zhtj/core/sqlcache.py prepares the hot header queries on each PostgreSQL connection; off by default
    # behind a connection pooler in transaction mode (DATABASE_POOL_MODE=transaction), which can't keep them
    "PREPARED_STATEMENTS": os.environ.get("ZHTJ_PREPARED_STATEMENTS", "0" if TRANSACTION_POOLER else "1") == "1",
    # BEY-11: the replica (DATABASE_REPLICA_URL). A session that wrote this recently reads the primary
    # (read-your-writes: keep it ≥ the maximum lag); a replica further behind than the notice says
    # 数据截至 HH:MM:SS on its pages; beyond the maximum the primary answers instead.
    "REPLICA_READ_YOUR_WRITES_SECONDS": int(os.environ.get("ZHTJ_REPLICA_READ_YOUR_WRITES_SECONDS", 30)),
    "REPLICA_LAG_NOTICE_SECONDS": int(os.environ.get("ZHTJ_REPLICA_LAG_NOTICE_SECONDS", 5)),
    "REPLICA_MAX_LAG_SECONDS": int(os.environ.get("ZHTJ_REPLICA_MAX_LAG_SECONDS", 30)),
    "LIST_PAGE_SIZE": 50,
    # 批量认证 (MEM-10): people sent to the ID verifier per click; the page says when more remain
    "VERIFY_BATCH_MAX": 10_000,
    # lists whose scope can be the whole country count at most this many rows (zhtj/core/pagination.py)
    "LIST_COUNT_MAX": 10_000,
    # 批量 on a whole filtered set (issue 17): rows per transaction, and the size above which it
    # runs as a background task with a progress bar instead of inside the request
    "BATCH_CHUNK": 500,
    "BATCH_INLINE_MAX": 200,
    "MEMBER_LIST_BRANCH_CHOICES": 200,  # 团员列表: more branches than this → search the branch by name
    "ORG_SHORT_NAME_MAX_LENGTH": 50,  # ORG-04 (decision): 组织简称 at most this many characters
    "SUBORG_BATCH_MAX_ROWS": 2000,  # ORG-08: rows per 批量创建下级组织 upload
    "IMPORT_ERRORS_SECONDS": 3600,  # BEY-03: failed rows kept for the error-workbook download
    "EXCEL_MAX_BYTES": 10 * 1024 * 1024,  # SEC-05: an uploaded .xlsx file
    # SEC-05: its content once unzipped (a 5,000-row member file is about 5 MB): refuses zip bombs
    "EXCEL_MAX_UNZIPPED_BYTES": 50 * 1024 * 1024,
    # ORG-16 / JOB-01: the (month, day) marked branches of the year become 毕业生团组织.
    "GRADUATION_CONVERSION_DATE": (6, 1),
    "GRADUATION_MONTH_YEARS_AHEAD": 10,  # ORG-15 (decision): latest expected graduation year, from now
    "GRADUATION_CORRECTION_YEARS_BACK": 5,  # BEY-02 (decision): earliest corrected graduation year, from now
    "ORG_YOUTH_COUNT_MAX": 10000,  # ORG-07: 14-28周岁青年数
    "ORG_PARTY_RECOMMENDED_MAX": 1000,  # ORG-07: 年度经推入党团员数
    "ORG_STAFFING_MAX": 9999,  # ORG-07 (decision): upper bound of each staffing number
    "STUDENT_COUNT_MAX": 1000000,  # ORG-14 (decision): upper bound of 在校学生数
    "PROGRESS_PAGE_SIZE": 50,  # ORG-11: rows per page of 组织录入情况
    # REC / GRD: 团支部整理整顿 and 对标定级
    "REC_CAMPAIGN_MONTHS": (9, 12),  # REC-10: the campaign runs September to December each year
    "REC_SELF_CHECK_DEADLINE": (10, 31),  # REC-13: branches self-check by the end of October
    "REC_REVIEW_DEADLINE": (11, 30),  # REC-13: reviews and the bottom 20% by the end of November
    "REC_KEY_DEADLINE": (12, 31),  # REC-13: key branches done by the end of December (else carried over)
    "REC_KEY_POOR_COUNT": 10,  # REC-04: this many 较差 or more → must be a key branch
    "REC_BOTTOM_PERCENT": 20,  # REC-05: at least this share of eligible branches is selected
    "REC_MIN_AGE_MONTHS": 3,  # REC-05: younger branches can't be selected
    # GRD-02: orgs founded after this (month, day) of the year are out of its scope — the seed's
    # "成立 6 个月以内的团支部(2020 年 10 月 1 日之后)"
    "GRD_FOUNDED_BY": (10, 1),
    "GRD_MAX_CHANGES": 3,  # GRD-03: self-rating changes allowed before the review
    "GRD_LOCK_AT": (12, 31, 12, 0),  # GRD-04 / JOB-05: (month, day, hour, minute) reviews of the year lock
    # INC
    "INC_EARLIEST_YEAR": 2020,  # INC-02 / INC-07: years and dates from 2020 by default
    "INC_EXCELLENT_PERCENT": 30,  # INC-03: 优秀 ≤ floor(30% × evaluated)
    "INC_PDF_MAX_BYTES": 10 * 1024 * 1024,  # INC-04 / INC-11 (decision): uploaded PDFs
    "INC_HONOR_MAX_RECIPIENTS": 5,  # INC-07
    "INC_TRACK_PROMPT_YEARS": 1,  # INC-12 / JOB-03: 更新状态 is due this long after each step
    # ORG-18 / STAT
    "ORG_LIFE_MAX_FUTURE_DAYS": 30,  # ORG-18 (decision): a meeting may be published up to this many days ahead
    "ORG_LIFE_MAX_PAST_YEARS": 5,  # ORG-18 (decision): and no earlier than this many years back
    "STAT_AGE_BANDS": (14, 18, 22, 25, 28),  # STAT-01 (decision): upper ages of the bands ≤14, 15–18 … >28
    "STAT_TOP_ETHNICITIES": 8,  # STAT-01 (decision): minorities shown by name; the rest are 其他
    # MEM
    "JOIN_AGE_RULE_CHANGE": date(2017, 1, 1),  # MEM-03: joins from this day on need JOIN_MIN_AGE …
    "JOIN_MIN_AGE": 13,  # MEM-03: … whole years in the join month
    "JOIN_MIN_AGE_BEFORE": 12,  # MEM-03: joins before JOIN_AGE_RULE_CHANGE
    "JOIN_MIN_AGE_XINJIANG": 13,  # MEM-03: the 团新疆区委 subtree, whenever the join
    "DEVELOPMENT_NUMBER_FROM": date(2017, 1, 1),  # MEM-04: 发展团员编号 required for joins from this day
    "DEVELOPMENT_NUMBER_FROM_XINJIANG": date(2016, 1, 1),  # MEM-04: the 团新疆区委 subtree, a year earlier
    "PARTY_APPLICATION_AGE": 18,  # MEM-05: 是否递交入党申请书 required from this age
    "APPLICATION_FORM_FROM": date(2020, 1, 1),  # MEM-05: 入团志愿书 required for joins from this day
    "MEMBER_IMPORT_MAX_ROWS": 10000,  # MEM-07: rows per 批量导入 upload
    "MEMBER_IMPORT_PREVIEW_ROWS": 20,  # BEY-03: rows shown in the preview
    "MEMBER_IMPORT_CHUNK": int(os.environ.get("ZHTJ_MEMBER_IMPORT_CHUNK", 1000)),  # BEY-03: rows per progress step
    "ID_VERIFIER": "members.verification.default_verifier",  # MEM-10: dotted path of the verifier
    "AGE_OUT_YEARS": 28,  # MEM-11: members of this age with no post are flagged 超龄
    "AGE_OUT_DATE": (1, 1),  # JOB-07: (month, day) of the yearly age_out run
    # CAD / GRAD
    "TRAINING_MAX_HOURS": 2000,  # CAD-03 (decision): 学时 of one training, at most (a full-time year)
    "TRAINING_NAME_MAX_LENGTH": 100,  # CAD-03
    "REMOVAL_OTHER_MAX_LENGTH": 100,  # CAD-02: the free text after 其他
    "DELAYED_REASON_MAX_LENGTH": 200,  # GRAD-01: 延迟毕业原因
    # ARC
    "ARCHIVE_REQUIRED_FROM_YEAR": 2020,  # ARC-01: members who joined in this year or later need an e-archive
    "ARCHIVE_DUE_DAYS": 30,  # ARC-01: days to upload, counted from the end of the join month
    "ARCHIVE_MAX_BYTES": 20 * 1024 * 1024,  # ARC-08: one PDF of at most 20 MB
    # TRF
    "TRF_BATCH_MAX": 30,  # TRF-05: members per 组织关系批量转接
    "TRF_BRANCH_ONLY_PROVINCES": ("团北京市委", "团广东省委", "团福建省委"),  # TRF-06
    "TRF_APPLY_START": (5, 1),  # TRF-10: 申请期 starts (month, day)
    "TRF_APPLY_END": (8, 31),  # TRF-10: 申请期 ends; 审核期 follows
    "TRF_REVIEW_END": (9, 30),  # TRF-10: 审核期 ends; 收尾期 follows
    "TRF_RETURN_DAYS": 10,  # TRF-10: 收尾期 steps unreviewed this long are returned
    "TRF_AUTO_PASS_DAYS": 15,  # TRF-11: other steps pending this long pass automatically
    "TRF_LIST_SIZE": 50,  # rows per transfer approval list
    # NTC: 工作通知
    "NTC_ATTACHMENTS_MAX": 5,  # NTC-01 (decision): attachments of one notice
    "NTC_ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,  # NTC-01 / SEC-05: one attachment (PDF or Office)
    "NTC_ATTACHMENT_MAX_UNZIPPED_BYTES": 100 * 1024 * 1024,  # SEC-05: a docx/xlsx/pptx once unzipped
    "NTC_UPLOAD_MAX_BYTES": 5 * 20 * 1024 * 1024,  # SEC-05: the whole publish request (every attachment)
    "NTC_BODY_MAX_LENGTH": 10000,  # NTC-01 (decision): characters of a notice's text
    "NTC_AUDIENCE_LEVELS": 6,  # NTC-01: levels below the publisher offered as an audience (二级…七级)
    "NTC_HOME_CARD_ROWS": 5,  # NTC-02: newest notices on the 工作通知 home card
    "NTC_REMIND_INTERVAL_HOURS": 24,  # NTC-03 (decision): one reminder per notice in this many hours
    # EDU: 公开团课, 团员教育
    "EDU_PUBLISHER_MAX_LEVEL": 2,  # EDU-01 (decision): 团中央 (1) and provincial organs (2) publish
    "EDU_VIDEO_MAX_BYTES": 500 * 1024 * 1024,  # EDU-01 / SEC-05: an uploaded lecture video
    "EDU_SLIDES_MAX_BYTES": 20 * 1024 * 1024,  # EDU-01: the optional slides (PDF)
    "EDU_UPLOAD_MAX_BYTES": 520 * 1024 * 1024,  # SEC-05: the whole publish request (video and slides)
    "EDU_LEARNING_SITE_URL": "https://www.youth.cn/",  # EDU-03: 团员教育 opens 中国青年网
    # REG: 团员团干部注册审批
    "REG_IP_LIMIT": 20,  # REG-01: posts to the public registration pages from one address …
    "REG_IP_WINDOW_SECONDS": 600,  # … within this many seconds
    "REG_REASON_MAX_LENGTH": 200,  # REG-02: 不同意 reason
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

# REC / GRD: JOB-05 locks 对标定级 reviews at GRD_LOCK_AT; JOB-06 carries unfinished key
# branches into next year's campaign once the year is over (January 1, 00:30).
CELERY_BEAT_SCHEDULE["grading_lock"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(
        month_of_year=ZHTJ["GRD_LOCK_AT"][0],
        day_of_month=ZHTJ["GRD_LOCK_AT"][1],
        hour=ZHTJ["GRD_LOCK_AT"][2],
        minute=ZHTJ["GRD_LOCK_AT"][3],
    ),
    "args": ["grading_lock"],
}
CELERY_BEAT_SCHEDULE["rectification_carry_over"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(month_of_year=1, day_of_month=1, hour=0, minute=30),
    "args": ["rectification_carry_over"],
}
# JOB-03: 推优 records due for 更新状态, daily.
CELERY_BEAT_SCHEDULE["party_track_prompts"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(hour=2, minute=10),
    "args": ["party_track_prompts"],
}
# JOB-07: the yearly age-out flagging (MEM-11).
# JOB-02: the transfer deadlines, daily.
CELERY_BEAT_SCHEDULE["transfer_deadlines"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(hour=1, minute=30),
    "args": ["transfer_deadlines"],
}
CELERY_BEAT_SCHEDULE["age_out"] = {
    "task": "zhtj.core.tasks.run_scheduled_job",
    "schedule": crontab(month_of_year=ZHTJ["AGE_OUT_DATE"][0], day_of_month=ZHTJ["AGE_OUT_DATE"][1], hour=2, minute=0),
    "args": ["age_out"],
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
