"""`benchmark_creation` (issue 18.1) at a tiny size: each concurrent path runs in a process of its
own (so the GIL can't make two provinces wait on each other), every org it creates is real -- made
through `create_suborg` in that process, with its audit row -- and all of them are deleted again."""

import os
from collections import Counter

import pytest
from django.db import connection

from orgs.choices import Industry, LeadershipLevel, OrgCategory
from orgs.models import Organization
from tests import factories as f
from zhtj.core.models import AuditLog
from zhtj.scale.creation import CreationBenchmark

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the benchmark forks PostgreSQL clients")


def provinces(count=2, grades=2):
    central = f.leadership("团中央")
    for i in range(count):
        province = f.leadership(f"团测试{i}省委", central, LeadershipLevel.PROVINCE)
        county = f.leadership(f"团测试{i}县委", province, LeadershipLevel.COUNTY)
        school = f.OrgFactory(name=f"测试{i}中学团委", parent=county, industry=Industry.HIGH_SCHOOL)
        for g in range(grades):
            f.OrgFactory(name=f"{2025 + g}级团总支", parent=school, category=OrgCategory.GENERAL_BRANCH)


def test_concurrent_paths_run_in_processes_and_leave_nothing(transactional_db):
    """ORG-01: 100 creations per path at national size, 2 here: alone, two provinces at once, the same
    tree at once -- 2 + 4 + 4 branches created by the forked processes (their audit rows say so),
    none left afterwards, and the data's bounds as they were."""
    provinces()
    before = set(Organization.objects.values_list("pk", "tree_id", "lft", "rght"))
    bench = CreationBenchmark(per_kind=1, concurrent=2, log=lambda *a: None)
    bench._concurrent()
    names = set(Organization.objects.filter(pk__in=bench.created).values_list("name", flat=True))
    assert len(bench.created) == len(names) == 10 and all(n.startswith("基准") for n in names)
    assert AuditLog.objects.filter(action="create", object_id__in=bench.created).count() == 10
    parents = Counter(Organization.objects.filter(pk__in=bench.created).values_list("parent_id", flat=True))
    assert sorted(parents.values()) == [1, 1, 2, 6]  # A's first parent: 1 alone, 1 beside B, 2 x 2 in one tree
    assert len(bench.pids) == 5 and os.getpid() not in bench.pids  # 1 + 2 + 2 paths, each its own process
    assert {"one", "two_provinces", "same_trees"} <= bench.concurrency.keys() and bench.concurrency["n"] == 2
    assert all(bench.concurrency[k] > 0 for k in ("one", "two_provinces", "same_trees"))
    assert len(bench.concurrency["locking"]) == 3 and all(t > 0 for t in bench.concurrency["locking"])
    bench.cleanup()
    assert set(Organization.objects.values_list("pk", "tree_id", "lft", "rght")) == before
    assert "两个省同时各 2 次" in bench.table()
