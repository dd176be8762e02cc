import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from tests import factories as f


@pytest.fixture(scope="session", autouse=True)
def _process_local_cache():
    """Without REDIS_URL the settings share a file cache with the demo's worker (.demo/): the tests
    keep theirs in memory, so two test runs (or a demo) in one checkout don't clear each other's."""
    if settings.REDIS_URL:
        yield
        return
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """tools/mutation.py runs MUTATION_CHILDREN mutants at once, each a fork running pytest: on
    SQLite each needs a test database file of its own, or one fork's migrations meet the other's
    tables ("table already exists") and every mutant counts as killed."""
    test = settings.DATABASES["default"].get("TEST", {})
    if os.environ.get("MUTANT_UNDER_TEST") and test.get("NAME") and not settings.DATABASE_URL:
        base = test.setdefault("SHARED_NAME", test["NAME"])
        test["NAME"] = base.replace(".sqlite3", f"-{os.getpid()}.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _fresh_content_types():
    """ContentType ids are cached per process, and tools/mutation.py runs pytest many times in one
    (then each mutant in a fork), each session on another test database (test_<db>, test_test_<db>
    ...): a cached id of the last session's database breaks every audit row's foreign key at
    teardown, and every mutant counts as killed."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _session_renewed_on_every_request(monkeypatch):
    """SEC-02's renewal of the session on every request in tests, as Django's own
    SESSION_SAVE_EVERY_REQUEST did: the query counts tests compare between two requests then don't
    depend on how long ago the session was renewed. The renewal's own test sets the interval."""
    monkeypatch.setitem(settings.ZHTJ, "SESSION_REFRESH_SECONDS", 0)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files (e-archives, decisions) go to a temporary folder, never the repo's media/."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """With REDIS_URL set (CI) tasks would wait in Redis for a worker that isn't there: run them
    in-process, as the embedded default does. Tests that start a real worker (the `worker`
    fixture) keep the broker."""
    if "worker" in request.fixturenames:
        yield
        return
    from zhtj.celery import app

    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.fixture
def fast_hasher(settings):
    """MD5 instead of Argon2 (~0.1 s a person) for tests that aren't about hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tree(db):
    """团中央 → 团山东省委 → 团青岛市委 → 大学团委 → {学院A团委 → A1团支部, 学院B团委 → B1团支部}.

    Two sibling subtrees (A, B) under one university, for isolation tests."""
    from orgs.choices import Industry, LeadershipLevel

    central = f.leadership("团中央")
    province = f.leadership("团山东省委", central, LeadershipLevel.PROVINCE)
    city = f.leadership("团青岛市委", province, LeadershipLevel.CITY)
    uni = f.OrgFactory(name="测试大学团委", parent=city, industry=Industry.UNIVERSITY)
    col_a = f.OrgFactory(name="学院A团委", parent=uni, industry=Industry.UNIVERSITY)
    col_b = f.OrgFactory(name="学院B团委", parent=uni, industry=Industry.UNIVERSITY)
    branch_a = f.branch(col_a, "A1团支部")
    branch_b = f.branch(col_b, "B1团支部")

    class Tree:
        pass

    t = Tree()
    for name, org in dict(
        central=central,
        province=province,
        city=city,
        uni=uni,
        col_a=col_a,
        col_b=col_b,
        branch_a=branch_a,
        branch_b=branch_b,
    ).items():
        org.refresh_from_db()
        setattr(t, name, org)
    return t


@pytest.fixture
def login(client):
    """login(person) logs the test client in (bypassing the form) and returns it."""

    def _login(person, acting_org=None):
        client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
        if acting_org is not None:
            session = client.session
            session["acting_org_id"] = acting_org.pk
            session.save()
        return client

    return _login
