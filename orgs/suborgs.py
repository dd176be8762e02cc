"""创建下级组织 (ORG-05, ORG-08) and 删除下级组织 (ORG-13).

Both change the MPTT bounds of one tree of the forest (`zhtj.core.tree`): the parent's, or, under
a leadership organ, a new tree in the organ's block of tree ids. So each runs in one transaction
that first locks the root row of the parent's tree: two admins changing the same tree at the same
time take turns instead of corrupting `lft`/`rght`, while creations in other trees -- another
school, another province -- don't wait. The batch path inserts all its new leaves with one shift
of the tree and one bulk insert, instead of one update per row, so a 2000-row file is a handful of
queries.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, ProtectedError, RestrictedError

from zhtj.core import audit, tree
from zhtj.core.excel import Column, Template, column_reason
from zhtj.core.models import AuditLog

from .choices import BRANCH_KINDS, CREATABLE_CATEGORIES, OrgCategory
from .models import Organization
from .naming import NAMING_RULES, category_problem, full_name_problem, short_name_problem
from .services import full_name_units, join_full_name


class SubOrgRefused(Exception):
    """The operation can't be done; the message says why, in Chinese."""


def _lock_tree(org):
    """Lock the root row of `org`'s tree (serializes changes of the tree's bounds and, for a
    leadership organ, of its block of tree ids), then return `org` re-read and locked."""
    Organization.objects.select_for_update().filter(tree.tree_root_q(org)).first()
    return Organization.objects.select_for_update().get(pk=org.pk)


# --- 单个创建 ------------------------------------------------------------------------------


def create_suborg(parent, name, category, full_name):
    """Create one direct sub-org of `parent`; SubOrgRefused if a rule says no (the rules are
    checked again under the lock, so two admins can't create the same name twice)."""
    with transaction.atomic():
        parent = _lock_tree(parent)
        taken = set(parent.children.filter(name=name).values_list("name", flat=True))
        problem = (
            category_problem(parent, category)
            or short_name_problem(name, category, taken)
            or full_name_problem(full_name)
        )
        if problem:
            raise SubOrgRefused(problem)
        org = Organization(parent=parent, name=name, full_name=full_name, category=category)
        org.save()  # HistoryMixin writes the "create" audit row
    return org


# --- 批量创建 ------------------------------------------------------------------------------

NAME = "组织简称"
CATEGORY = "组织类别"
CREATABLE_LABELS = tuple(OrgCategory(c).label for c in CREATABLE_CATEGORIES)
_BY_LABEL = {label: value for value, label in OrgCategory.choices}


def batch_template():
    """The 批量创建下级组织 template: short name + a category dropdown, and the seed's rules."""
    return Template(
        marker="suborgs-v1",
        title="创建下级组织",
        columns=[
            Column(NAME, required=True, width=40),
            Column(CATEGORY, required=True, choices=CREATABLE_LABELS, width=16),
        ],
        instructions=[
            "批量创建下级组织 填写说明",
            "1. 每行填写一个要创建的直属下级团组织：“组织简称”和“组织类别”均为必填（红色列名）。",
            "2. “组织类别”请从下拉列表中选择：" + "、".join(CREATABLE_LABELS) + "。团总支只能创建团支部。",
            "3. " + NAMING_RULES,
            "4. 组织简称的结尾须与组织类别一致：团委以“团委”结尾、团工委以“团工委”结尾、团总支以“团总支”结尾、团支部以“团支部”结尾；"
            "组织简称中不能有空格，同一上级组织下不能重名。",
            "5. 团的领导机关已初始化到系统，无需再次创建。",
            "6. 组织全称由系统根据上级组织和组织简称自动生成，创建后可在“管理下级组织”中查看、核对。",
            "7. 请直接填写文字，不要使用公式；不要增删、改名列，不要修改隐藏的工作表。"
            f"一次最多导入{settings.ZHTJ['SUBORG_BATCH_MAX_ROWS']}行。",
            "8. 上传后系统逐行给出结果：已创建、已存在（未重复创建）或失败原因。可下载失败数据，按“失败原因”修改后重新上传；"
            "已创建的组织不会重复创建。",
        ],
        max_rows=settings.ZHTJ["SUBORG_BATCH_MAX_ROWS"],
    )


@dataclass
class RowResult:
    CREATED = "created"
    EXISTS = "exists"
    FAILED = "failed"
    LABELS = {CREATED: "已创建", EXISTS: "已存在（未重复创建）", FAILED: "失败"}

    number: int  # the spreadsheet row number
    values: dict  # the row as uploaded, for the error workbook
    status: str = CREATED
    reason: str = ""

    @property
    def name(self):
        return self.values.get(NAME, "")

    @property
    def category(self):
        return self.values.get(CATEGORY, "")

    @property
    def status_label(self):
        return self.LABELS[self.status]


def import_suborgs(parent, rows):
    """Create the direct sub-orgs listed in `rows` (excel.Row) under `parent`.

    Every row is checked first (against the parent's children loaded once, and the rows
    above it); the good ones are then created together. A failed row never stops the
    others; a row already created earlier (same name, same category) is reported, not
    created again, so a corrected file can simply be uploaded again."""
    with transaction.atomic():
        parent = _lock_tree(parent)
        existing = dict(parent.children.values_list("name", "category"))
        units = full_name_units(parent)  # the same for every row: one ancestors query
        claimed = {}  # name -> the row that took it
        results, new = [], []
        for row in rows:
            result = RowResult(row.number, row.values)
            result.reason = _row_problem(row, parent, existing, claimed, units)
            if result.reason:
                result.status = RowResult.FAILED
            else:
                claimed[result.name] = row.number
                if existing.get(result.name) == _BY_LABEL[result.category]:
                    result.status = RowResult.EXISTS
                else:
                    new.append(result)
            results.append(result)
        if new:
            _insert_leaves(parent, [(r.name, join_full_name(units, r.name), _BY_LABEL[r.category]) for r in new])
    return results


def _row_problem(row, parent, existing, claimed, units):
    """The row's failure reason, "列名：说明" (`column_reason`), or "" for a row to create."""
    name, label = row.values.get(NAME, ""), row.values.get(CATEGORY, "")
    if row.formula_in:
        return column_reason("、".join(row.formula_in), "单元格中是公式，不支持公式，请直接填写文字。")
    if not name:
        return column_reason(NAME, "不能为空。")
    if not label:
        return column_reason(CATEGORY, "不能为空，请从下拉列表中选择。")
    if label not in _BY_LABEL:
        return column_reason(CATEGORY, f"“{label}”无效，请从下拉列表中选择：" + "、".join(CREATABLE_LABELS) + "。")
    category = _BY_LABEL[label]
    if name in claimed:
        return column_reason(NAME, f"与第{claimed[name]}行重复，同一文件中组织简称不能重复。")
    if existing.get(name) == category:
        return ""  # already created: reported as existing
    if problem := category_problem(parent, category):
        return column_reason(CATEGORY, problem)
    problem = short_name_problem(name, category, existing) or full_name_problem(join_full_name(units, name))
    return column_reason(NAME, problem) if problem else ""


def _insert_leaves(parent, specs):
    """Insert new leaf children (name, full_name, category) of the locked, fresh `parent`
    where MPTT would put them: before the first child sorting after them (sort_order 0),
    else as the last children. One shift of the bounds, one bulk insert, one bulk audit."""
    k = len(specs)
    if tree.owns_range(parent):  # each a tree of its own, in the organ's block
        places = [(t, t, 1, 2, 0, None) for t, _ in tree.allocate(Organization, parent, count=k)]
        created = Organization.objects.filter(parent=parent, tree_id__range=(places[0][0], places[-1][0]))
    else:  # one shift of the parent's tree
        right_sibling = parent.children.filter(sort_order__gt=0).order_by("sort_order", "tree_id", "lft").first()
        at = right_sibling.lft if right_sibling else parent.rght
        in_tree = Organization.objects.filter(tree_id=parent.tree_id)
        in_tree.filter(rght__gte=at).update(rght=F("rght") + 2 * k)
        in_tree.filter(lft__gte=at).update(lft=F("lft") + 2 * k)
        t = parent.tree_id
        places = [(t, t, at + 2 * i, at + 2 * i + 1, parent.tree_level + 1, parent) for i in range(k)]
        created = Organization.objects.filter(parent=parent, tree_id=t, lft__gte=at, lft__lt=at + 2 * k)
        parent.rght += 2 * k
    orgs = [
        Organization(
            parent=parent,
            name=name,
            full_name=full_name,
            category=category,
            is_branch_kind=category in BRANCH_KINDS,
            level=parent.level + 1,
            tree_id=tree_id,
            tree_last=tree_last,
            lft=lft,
            rght=rght,
            tree_level=tree_level,
            tree_parent=tree_parent,
        )
        for (name, full_name, category), (tree_id, tree_last, lft, rght, tree_level, tree_parent) in zip(
            specs, places, strict=True
        )
    ]
    Organization.objects.bulk_create(orgs, batch_size=500)
    actor, acting_org_id = audit.current_actor()
    content_type = ContentType.objects.get_for_model(Organization)
    AuditLog.objects.bulk_create(
        [
            AuditLog(
                actor=actor,
                acting_org_id=acting_org_id,
                content_type=content_type,
                object_id=pk,
                action="create",
                changes={
                    "name": [None, name],
                    "full_name": [None, full_name],
                    "category": [None, category],
                    "parent_id": [None, parent.pk],
                },
                note="批量创建下级组织",
            )
            for pk, name, full_name, category in created.values_list("pk", "name", "full_name", "category")
        ],
        batch_size=500,
    )


# --- 删除下级组织 -----------------------------------------------------------------------------


def with_holdings(queryset):
    """Annotate orgs with what they hold — admins, other cadres, members, sub-orgs — as
    sub-selects: one query for a whole list (管理下级组织 shows only the buttons these allow)."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    def count(relation, **conditions):
        # the related rows themselves (reached through the reverse relation: orgs imports nothing of
        # members), counted per org in a correlated sub-select
        field = Organization._meta.get_field(relation)
        rows = field.related_model._base_manager.filter(**{field.field.name: OuterRef("pk")}, **conditions)
        counted = rows.order_by().values(field.field.name).annotate(n=Count("*")).values("n")
        return Coalesce(Subquery(counted, output_field=IntegerField()), 0)

    return queryset.annotate(
        held_admins=count("cadre_posts", ended_on__isnull=True, admin_slot__isnull=False),
        held_cadres=count("cadre_posts", ended_on__isnull=True, admin_slot__isnull=True),
        held_members=count("members"),
        held_children=count("children"),
    )


def delete_blockers(org):
    """What still keeps `org` from being deleted (ORG-13), as Chinese phrases; from the annotations
    of `with_holdings` when the org came with them, else counted now (one query)."""
    if not hasattr(org, "held_admins"):
        org = with_holdings(Organization.objects.filter(pk=org.pk)).get()
    counts = (
        (org.held_admins, "名管理员"),
        (org.held_cadres, "名团干部"),
        (org.held_members, "名团员"),
        (org.held_children, "个下级组织"),
    )
    return [f"{n}{unit}" for n, unit in counts if n]


def code_refusal(org):
    """ORG-09 / ORG-12: an org whose admins are full needs no 管理员注册码 (a registration with it
    would be refused): why, or None. From `with_holdings` annotations when present."""
    if not hasattr(org, "held_admins"):
        org = with_holdings(Organization.objects.filter(pk=org.pk)).get()
    limit = settings.ZHTJ["ADMINS_PER_ORG"]
    if org.held_admins >= limit:
        return f"{org.name}已有{org.held_admins}名管理员（每个组织最多{limit}名），无需管理员注册码；如需更换管理员，请通过管理员变更办理。"
    return None


def delete_suborg(org):
    """Delete a direct sub-org that holds no admins, cadres, members or sub-orgs (ORG-13).
    The audit row is written first, in the same transaction; ended cadre posts (history of
    the org itself) go with it."""
    try:
        with transaction.atomic():
            org = _lock_tree(org)
            blockers = delete_blockers(org)
            if blockers:
                raise SubOrgRefused(
                    f"该组织还有{'、'.join(blockers)}，请先撤销管理员、清空成员、删除下级组织后再删除。"
                )
            audit.record(
                org,
                "delete",
                changes={
                    "name": [org.name, None],
                    "full_name": [org.full_name, None],
                    "category": [org.category, None],
                    "parent_id": [org.parent_id, None],
                },
                note=f"删除下级组织：{org.name}",
            )
            org.cadre_posts.filter(ended_on__isnull=False).delete()
            org.delete()
    except (ProtectedError, RestrictedError):
        raise SubOrgRefused("该组织还有关联的业务记录（如转接、激励记录），暂不能删除。") from None
    return org
