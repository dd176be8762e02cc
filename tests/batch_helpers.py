"""Shared steps of the "全部 N 条符合当前筛选条件的" tests (issue 17, core.batch): many rows made at
once, the click + confirmation a committee does, and the progress page it lands on."""

import re
import time
from datetime import date

from django.contrib.auth.hashers import make_password

from members.models import Person
from tests.factories import new_id_number

TOKEN = re.compile(r"/batch/([^/]+)/$")


def bulk_people(branch, n, prefix="批量团员", **fields):
    """`n` people of `branch` in one INSERT (no per-person signals: callers add what they need)."""
    password = make_password(None)
    people = []
    for i in range(n):
        id_number = new_id_number(date(2003, 1, 1))
        people.append(
            Person(
                id_number=id_number,
                name=f"{prefix}{i}",
                gender="M",
                birth_date=date(2003, 1, 1),
                branch=branch,
                password=password,
                **fields,
            )
        )
    return Person.objects.bulk_create(people, batch_size=1000)


def button_count(html):
    """N of the page's "全部 N 条符合当前筛选条件的" button (None when it isn't shown)."""
    found = re.search(r'id="batch-all">全部 (\d+) 条符合当前筛选条件的', html)
    return int(found.group(1)) if found else None


def click_all(client, url, data, query=""):
    """The admin's one click and one confirmation: the first post shows the count (changing
    nothing); the confirmed post lands on the progress page. Returns (count, status token,
    seconds the confirmed post took)."""
    target = f"{url}?{query}" if query else url
    first = client.post(target, data)
    assert first.status_code == 200, first.content.decode()[:2000]
    html = first.content.decode()
    count = int(re.search(r'name="confirmed" value="(\d+)"', html).group(1))
    assert f"全部 {count} 条" in html
    started = time.perf_counter()
    second = client.post(target, {**data, "confirmed": str(count)})
    seconds = time.perf_counter() - started
    assert second.status_code == 302, second.content.decode()[:2000]
    return count, TOKEN.search(second["Location"]).group(1), seconds


def status_page(client, token):
    html = client.get(f"/batch/{token}/").content.decode()
    assert 'id="batch-progress"' in html
    return html


def summary(html):
    """(done, refused) as the progress page states them."""
    done = int(re.search(r"已处理 <strong>(\d+)</strong> 项", html).group(1))
    refused = re.search(r'<strong class="text-danger">(\d+)</strong> 项未处理', html)
    return done, int(refused.group(1)) if refused else 0


def one_click_at_scale(client, list_url, url, data, monkeypatch, expected, query=""):
    """The issue's bar: a set of `expected` (3,000) rows is one click plus one confirmation, run
    as the background task (in-process here) with a progress bar that moves chunk by chunk, and
    the progress page ends with every row done. Returns the seconds the confirmed post took."""
    from django.conf import settings

    from zhtj.core import batch

    steps = []
    real = batch._set_progress

    def spy(token, **fields):
        steps.append(fields)
        real(token, **fields)

    monkeypatch.setattr(batch, "_set_progress", spy)
    assert button_count(client.get(f"{list_url}?{query}" if query else list_url).content.decode()) == expected
    count, token, seconds = click_all(client, url, data, query)
    assert count == expected > settings.ZHTJ["BATCH_INLINE_MAX"]  # the Celery task, not the request
    chunk = settings.ZHTJ["BATCH_CHUNK"]
    assert [s["done"] for s in steps if "done" in s and "state" not in s] == [
        *range(chunk, expected, chunk),
        expected,
    ]
    html = status_page(client, token)
    assert summary(html) == (expected, 0) and 'aria-valuenow="100"' in html
    return seconds
