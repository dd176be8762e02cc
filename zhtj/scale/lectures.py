"""公开团课 in the generated data (EDU-01, EDU-02): lectures of 团中央 and of every provincial organ,
and who studied them, so that 学习情况 is measured on something (`benchmark --crawl` opens the
newest lecture of each role's 公开团课 list).

Shares (**decision**, deterministic by person id): 团中央's older lecture was studied by 20% of the
country's members, its newer one (the newest of all, the one each list shows first) by 10%; each
province's own lecture by 10% of its members. At 2,000,000 people that is about 800,000 study rows. Made inside PostgreSQL (INSERT … SELECT);
the kept study counts (orgs/migrations/0013) are rebuilt from the rows afterwards.
"""

from datetime import timedelta

from django.db import connection

from members.models import Person
from orgs.choices import LeadershipLevel
from orgs.models import LectureStudy, Organization, PublicLecture

# (title, days before the data's date, share of the audience as residues of person id mod 10)
CENTRAL = (("团中央公开团课：学习党的二十大精神", 60, (0, 1)), ("团中央公开团课：青年与新质生产力", 5, (3,)))
PROVINCIAL = ("公开团课：{name}青年讲堂", 10, (4,))


def write_lectures(now):
    """The lectures and their studies; returns (lectures, studies)."""
    central = Organization.objects.filter(parent__isnull=True).order_by("tree_id").first()
    if central is None:
        return 0, 0
    provinces = list(
        Organization.objects.filter(parent=central, leadership_level=LeadershipLevel.PROVINCE).order_by("tree_id")
    )
    plan = [(central, title, days, shares) for title, days, shares in CENTRAL]
    plan += [(p, PROVINCIAL[0].format(name=p.name), PROVINCIAL[1], PROVINCIAL[2]) for p in provinces]
    studies = 0
    person, org, study = Person._meta.db_table, Organization._meta.db_table, LectureStudy._meta.db_table
    for publisher, title, days, shares in plan:
        lecture = PublicLecture.objects.create(
            publisher=publisher,
            title=title[:100],
            speaker="主讲人",
            link="https://example.org/lecture",
            published_at=now - timedelta(days=days),
        )
        with connection.cursor() as cursor:
            # the audience: members whose branch lies in the publisher's block of trees
            cursor.execute(
                f"INSERT INTO {study} (lecture_id, person_id, studied_at)"
                f" SELECT %s, p.id, %s::timestamptz + (p.id %% 1000) * interval '1 minute' FROM {person} p"
                f" JOIN {org} b ON b.id = p.branch_id WHERE b.tree_id BETWEEN %s AND %s AND p.id %% 10 = ANY(%s)",
                [lecture.pk, lecture.published_at, publisher.tree_id, publisher.tree_last, list(shares)],
            )
            studies += cursor.rowcount
    return len(plan), studies
