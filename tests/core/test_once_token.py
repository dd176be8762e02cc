"""Double-submit protection held by the database, whatever the cache (BEY-06, SEC-08)."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from members.models import CadreTraining
from tests.concurrency import at_once
from tests.members.cadre_setup import build
from zhtj.core.models import OnceToken
from zhtj.core.once import expire_once_tokens

TRAINING = {
    "name": "基层团干部示范培训班",
    "start_on": "2025-03-01",
    "end_on": "2025-03-05",
    "organizer": "团省委",
    "hours": "32",
}
# A cache that remembers nothing: what each gunicorn worker's own memory cache amounts to for a
# token posted to another worker. The token must hold without any help from the cache.
NO_SHARED_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def no_shared_cache(settings):
    settings.CACHES = NO_SHARED_CACHE
    # Sessions in the database, as in production (the embedded default keeps them in its file cache).
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


def _client(s, tree):
    c = Client()
    c.force_login(s.col_admin, backend="django.contrib.auth.backends.ModelBackend")
    session = c.session
    session["acting_org_id"] = tree.col_a.pk
    session.save()
    return c


def _url(s):
    return f"/members/cadres/{s.branch_deputy.pk}/trainings/add/"


@pytest.mark.usefixtures("fast_hasher", "no_shared_cache")
def test_a_token_posted_twice_runs_once_without_a_shared_cache(tree):
    """BEY-06: the second post of one token is refused (303, 请勿重复提交) though the cache forgets
    everything; a fresh token is accepted."""
    s = build(tree)
    c = _client(s, tree)
    first = c.post(_url(s), TRAINING | {"_once": "tok-1"})
    second = c.post(_url(s), TRAINING | {"_once": "tok-1"}, follow=True)
    assert first.status_code == 302
    assert second.redirect_chain[0][1] == 303 and "请勿重复提交" in second.content.decode()
    assert CadreTraining.objects.count() == 1
    assert c.post(_url(s), TRAINING | {"_once": "tok-2", "name": "第二期培训班"}).status_code == 302
    assert CadreTraining.objects.count() == 2


@pytest.mark.usefixtures("fast_hasher")
def test_a_value_that_is_no_token_is_ignored_not_stored(tree):
    """BEY-06 / SEC-06: a forged `_once` longer than a token (or with other characters) is treated
    like a form without one: no server error, nothing stored for it."""
    s = build(tree)
    c = _client(s, tree)
    for junk in ("x" * 65, "a b", "令牌"):
        assert c.post(_url(s), TRAINING | {"_once": junk, "name": f"培训{len(junk)}"}).status_code == 302
    assert CadreTraining.objects.count() == 3 and not OnceToken.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("fast_hasher", "no_shared_cache")
def test_ten_posts_of_one_token_from_ten_connections_make_one_record(tree):
    """BEY-06 / SEC-08: one form posted 10 times at the same moment, each post on its own thread and
    database connection (as from 10 gunicorn workers) with no shared cache: exactly one record,
    one success and 9 refusals."""
    s = build(tree)
    clients = [_client(s, tree) for _ in range(10)]
    statuses = []
    at_once(
        lambda c: statuses.append(c.post(_url(s), TRAINING | {"_once": "same-token"}).status_code),
        [(c,) for c in clients],
    )
    assert CadreTraining.objects.count() == 1
    assert sorted(statuses) == [302] + [303] * 9


def test_expire_once_tokens_forgets_tokens_older_than_the_setting(db, settings):
    """BEY-06: the job deletes tokens used more than ONCE_TOKEN_SECONDS before its run, keeps the
    one used exactly that long ago and younger ones; a second run changes nothing."""
    now = timezone.now()
    limit = timedelta(seconds=settings.ZHTJ["ONCE_TOKEN_SECONDS"])
    for name, age in (
        ("older", limit + timedelta(seconds=1)),
        ("edge", limit),
        ("younger", limit - timedelta(seconds=1)),
    ):
        OnceToken.objects.create(token=name, used_at=now - age)
    assert expire_once_tokens(now) == {"changed": 1}
    assert set(OnceToken.objects.values_list("token", flat=True)) == {"edge", "younger"}
    assert expire_once_tokens(now) == {"changed": 0}
    call_command("run_job", "expire_once_tokens", stdout=StringIO())  # registered, runnable by ops
