"""延迟毕业 (GRAD-01): in a 毕业生团组织, a school admin marks members 延迟毕业生 (a later expected
month and a reason, both required) or 教师; 撤销 makes them graduates of the branch again.

Who: the school-domain committees (校团委, 二级团委, 年级团总支: `Organization.may_mark_graduation`,
the same admins as ORG-15) for graduate orgs in their subtree; never the branch itself, never a
leadership organ (seed 延迟毕业业务操作说明: 学校领域各级团组织管理员（团支部除外）).

The June 1 job: a marked member is not a graduate of the branch's year. That is written once, in
orgs.graduation.graduating_members (the conversion skips marked people); marking clears
Person.is_graduate and 撤销 sets it again through that same function.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from orgs.choices import OrgCategory
from orgs.graduation import GraduationError, graduating_members, parse_month
from orgs.models import Organization
from zhtj.core import audit
from zhtj.core.tree import subtree_q

from .cadres import CadreError
from .choices import GraduateMarkKind
from .models import Person
from .models_cadres import GraduateMark

NOT_ALLOWED = (
    "只有学校领域的校团委、二级团委、年级团总支管理员可以标记或撤销延迟毕业团员/教师；团的领导机关和团支部没有此权限。"
)


def check_may_mark(acting):
    if acting is None or not acting.may_mark_graduation:
        raise CadreError(NOT_ALLOWED, status=403)


def parse_delay(branch, raw_month, reason, today=None):
    """(month, reason) of a 延迟毕业生 mark: both required, the month later than the branch's."""
    reason = (reason or "").strip()
    if not (raw_month or "").strip():
        raise CadreError("标记为延迟毕业团员时，必须选择预计毕业时间。")
    try:
        month = parse_month(raw_month, today=today)
    except GraduationError as exc:
        raise CadreError(str(exc)) from None
    floor = branch.graduation_month or (today or timezone.localdate()).replace(day=1)
    if month <= floor:
        raise CadreError(
            f"延迟毕业团员的预计毕业时间必须晚于本团支部的毕业时间（{floor.year}年{floor.month}月）。"
            if branch.graduation_month
            else "延迟毕业团员的预计毕业时间必须晚于当前月份。"
        )
    if not reason:
        raise CadreError("标记为延迟毕业团员时，必须填写延迟毕业原因。")
    limit = settings.ZHTJ["DELAYED_REASON_MAX_LENGTH"]
    if len(reason) > limit:
        raise CadreError(f"延迟毕业原因不能超过 {limit} 个字。")
    return month, reason


def mark(acting, branch, person_ids, *, kind, raw_month="", reason="", by):
    """Mark the selected members of `branch` (already looked up in scope). All or nothing."""
    check_may_mark(acting)
    if branch.category != OrgCategory.GRADUATE:
        raise CadreError("只能在毕业生团组织中标记延迟毕业团员/教师。")
    if kind not in GraduateMarkKind.values:
        raise CadreError("请选择标记为“延迟毕业团员”还是“教师”。")
    if not person_ids:
        raise CadreError("请勾选需要标记的人员。")
    month, reason = parse_delay(branch, raw_month, reason) if kind == GraduateMarkKind.DELAYED else (None, "")
    with transaction.atomic():
        people = list(Person.objects.select_for_update().filter(branch=branch, pk__in=person_ids).order_by("pk"))
        if len(people) != len(set(person_ids)):
            raise CadreError("所选人员不在该毕业生团组织中，请刷新后重试。", status=404)
        taken = set(GraduateMark.objects.filter(person__in=people).values_list("person__name", flat=True))
        if taken:
            raise CadreError(f"以下人员已被标记，请先撤销：{'、'.join(sorted(taken))}。", status=409)
        now = timezone.now()
        try:
            with transaction.atomic():
                GraduateMark.objects.bulk_create(
                    [
                        GraduateMark(
                            person=p,
                            branch=branch,
                            kind=kind,
                            expected_month=month,
                            reason=reason,
                            marked_by=by,
                            marked_at=now,
                        )
                        for p in people
                    ]
                )
        except IntegrityError:  # marked by someone else at the same moment
            raise CadreError("所选人员已被其他管理员标记，请刷新后重试。", status=409) from None
        Person.objects.filter(pk__in=[p.pk for p in people]).update(is_graduate=False)
        label = GraduateMarkKind(kind).label
        for p in people:
            note = f"{label}" + (f"，预计毕业时间{month:%Y-%m}，原因：{reason}" if month else "")
            audit.record(p, "graduate_mark", changes={"被标记成员身份": ["毕业生", label]}, note=note, actor=by)
    return len(people)


def unmark(acting, person_ids, *, by):
    """撤销: the marks of the selected people in `acting`'s subtree go; they are graduates of
    their 毕业生团组织 again (is_graduate set by graduating_members, the conversion's own rule)."""
    check_may_mark(acting)
    if not person_ids:
        raise CadreError("请勾选需要撤销的人员。")
    with transaction.atomic():
        marks = list(
            GraduateMark.objects.select_for_update()
            .filter(subtree_q(acting, "person__branch"), person__pk__in=person_ids)
            .select_related("person")
        )
        if len(marks) != len(set(person_ids)):
            raise CadreError("所选人员未被标记或不在本组织管辖范围内，请刷新后重试。", status=404)
        branch_ids = {m.person.branch_id for m in marks}
        GraduateMark.objects.filter(pk__in=[m.pk for m in marks]).delete()
        graduating_members(Organization.objects.filter(pk__in=branch_ids)).filter(pk__in=person_ids).update(
            is_graduate=True
        )
        for m in marks:
            audit.record(
                m.person, "graduate_unmark", changes={"被标记成员身份": [m.get_kind_display(), "毕业生"]}, actor=by
            )
    return len(marks)
