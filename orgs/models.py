"""The org tree (ORG-01 … ORG-03): one MPTT tree from 团中央 to every 团支部."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from mptt.models import MPTTModel, TreeForeignKey

from zhtj.core import tree
from zhtj.core.audit import HistoryMixin
from zhtj.core.change_requests import ChangeRequest
from zhtj.core.models import OneTimeCode

from .choices import (
    BRANCH_KINDS,
    COMMITTEE_KINDS,
    POOL_CATEGORIES,
    SCHOOL_INDUSTRIES,
    UNIVERSITY_Q,
    Industry,
    LeadershipLevel,
    OrgCategory,
)


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, org, include_self=True):
        """The org and everything below it: one indexed range query, no recursion (`core.tree`)."""
        q = self.filter(tree.subtree_q(org))
        return q if include_self else q.exclude(pk=org.pk)

    def in_tree_order(self):
        """Depth-first across the forest: a leadership organ, then its children's trees in order."""
        return self.order_by(*tree.ORDER)

    def branch_kinds(self):
        return self.filter(is_branch_kind=True)

    def branches(self):
        """Branch kinds that are branches: without the 特殊单位专属库 pools (POOL_CATEGORIES)."""
        return self.branch_kinds().exclude(category__in=POOL_CATEGORIES)


class OrganizationManager(models.Manager.from_queryset(OrganizationQuerySet)):
    pass


class Organization(HistoryMixin, MPTTModel):
    """One org of the country. The country is a forest of MPTT trees (`zhtj.core.tree` says why and
    how): `parent` is the real superior, `tree_parent` django-mptt's parent inside a tree (None for a
    tree root: every leadership organ and every child of one), `level` the depth in the country."""

    parent = TreeForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name="上级组织",
    )
    tree_parent = TreeForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="tree_children", editable=False
    )
    tree_id = models.BigIntegerField(db_index=True, editable=False)
    # the last tree id of the org's subtree: a leadership organ's block; its own tree_id for others
    tree_last = models.BigIntegerField(editable=False)
    level = models.PositiveIntegerField(editable=False)
    name = models.CharField("组织简称", max_length=100)
    full_name = models.CharField("组织全称", max_length=300)
    category = models.CharField("组织类别", max_length=32, choices=OrgCategory.choices)
    # Derived from category on save; kept as a column so the database can enforce
    # that a person's relation sits only in a branch-kind org (ORG-03, ROLE-05).
    is_branch_kind = models.BooleanField(default=False, editable=False)
    leadership_level = models.PositiveSmallIntegerField(
        "领导机关层级", choices=LeadershipLevel.choices, null=True, blank=True
    )
    industry = models.CharField("单位所属行业类别", max_length=32, choices=Industry.choices, blank=True)
    sort_order = models.PositiveIntegerField("组织排序", default=0)

    phone = models.CharField("联系电话", max_length=32, blank=True)
    email = models.EmailField("电子邮箱", blank=True)
    admin_staff_quota = models.PositiveIntegerField("本级团组织行政编制数", null=True, blank=True)
    admin_staff_actual = models.PositiveIntegerField("行政编制实际配备数", null=True, blank=True)
    career_staff_quota = models.PositiveIntegerField("本级团组织事业编制数", null=True, blank=True)
    career_staff_actual = models.PositiveIntegerField("事业编制实际配备数", null=True, blank=True)
    secretary_name = models.CharField("书记姓名", max_length=50, blank=True)
    secretary_id_number = models.CharField("书记身份证号码", max_length=18, blank=True)
    secretary_mobile = models.CharField("书记手机号码", max_length=20, blank=True)
    youth_count = models.PositiveIntegerField(
        "14-28周岁青年数", null=True, blank=True, validators=[MaxValueValidator(10000)]
    )
    party_recommended_count = models.PositiveIntegerField(
        "年度经推入党团员数", null=True, blank=True, validators=[MaxValueValidator(1000)]
    )

    # Key-domain gate (ORG-14).
    school_code = models.CharField("学校标识码", max_length=20, blank=True)
    student_count = models.PositiveIntegerField("在校学生数", null=True, blank=True)
    enterprise_level = models.CharField("企业层级", max_length=32, blank=True)
    enterprise_location = models.CharField("企业所在驻地", max_length=100, blank=True)

    # Graduation mark (ORG-15): a month or a reason, never both.
    graduation_month = models.DateField("预计毕业时间", null=True, blank=True)
    graduation_unknown_reason = models.CharField("无法确定毕业时间原因", max_length=200, blank=True)

    graduation_marked_at = models.DateTimeField("毕业时间标记时间", null=True, blank=True)
    # When the org's own admin first submitted its info: ORG-06 fields freeze from then on.
    info_submitted_at = models.DateTimeField("组织信息提交时间", null=True, blank=True)
    # ORG-14: the key-domain answers can't be changed once submitted.
    key_domain_submitted_at = models.DateTimeField("重点领域信息提交时间", null=True, blank=True)

    # ORG-10's "书记 registered and has a mobile number in their own profile", kept by database
    # triggers on cadre posts and people (members migration 0009), so 组织录入情况 counts complete
    # orgs by a column instead of a lookup per org. Never written by Django: see save().
    secretary_ready = models.BooleanField("书记已注册并有手机号码", default=False, editable=False)

    first_admin_login_at = models.DateTimeField("首次登录系统时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)

    objects = OrganizationManager()

    # BEY-05: every field a user or ops can change (tests/core/test_history_labels.py holds every
    # form field to it); the tree's own columns and the derived flags are left out.
    history_fields = (
        "name",
        "full_name",
        "category",
        "leadership_level",
        "industry",
        "sort_order",
        "phone",
        "email",
        "admin_staff_quota",
        "admin_staff_actual",
        "career_staff_quota",
        "career_staff_actual",
        "secretary_name",
        "secretary_id_number",
        "secretary_mobile",
        "youth_count",
        "party_recommended_count",
        "school_code",
        "student_count",
        "enterprise_level",
        "enterprise_location",
        "graduation_month",
        "graduation_unknown_reason",
        "parent_id",
    )
    history_masked = {"secretary_id_number": (4, 4), "secretary_mobile": (3, 4)}  # SEC-03

    class MPTTMeta:
        parent_attr = "tree_parent"
        level_attr = "tree_level"
        order_insertion_by = ["sort_order"]

    class Meta:
        verbose_name = "团组织"
        verbose_name_plural = "团组织"
        constraints = [
            models.CheckConstraint(
                name="org_branch_kind_matches_category",
                condition=Q(is_branch_kind=True, category__in=sorted(BRANCH_KINDS))
                | (Q(is_branch_kind=False) & ~Q(category__in=sorted(BRANCH_KINDS))),
            ),
            models.CheckConstraint(
                name="org_leadership_level_only_for_leadership",
                condition=Q(category=OrgCategory.LEADERSHIP, leadership_level__isnull=False)
                | (~Q(category=OrgCategory.LEADERSHIP) & Q(leadership_level__isnull=True)),
            ),
            models.CheckConstraint(
                name="org_graduation_month_xor_reason",
                condition=Q(graduation_month__isnull=True) | Q(graduation_unknown_reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["tree_id", "lft", "rght"], name="org_subtree_range"),
            # one level of a subtree (组织录入情况's tabs): the level, then the subtree's range
            models.Index(fields=["level", "tree_id", "lft"], name="org_level_subtree"),
            # 重点领域基层团干部配备 (CAD-04): a few hundred universities and a few thousand 国有企业
            # orgs among 100,000, listed and counted in tree order without reading the rest. Not
            # exactly (tree_id, lft): django-mptt drops its own index when another has those fields.
            models.Index(fields=["tree_id", "lft", "rght"], condition=UNIVERSITY_Q, name="org_university_subtree"),
            models.Index(
                fields=["tree_id", "lft", "rght"],
                condition=Q(industry=Industry.STATE_ENTERPRISE),
                name="org_soe_subtree",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_pool(self):
        """A 特殊单位专属库: holds members, but is no branch (POOL_CATEGORIES)."""
        return self.category in POOL_CATEGORIES

    def save(self, *args, **kwargs):
        self.is_branch_kind = self.category in BRANCH_KINDS
        if self._state.adding and not self.lft:
            self._place()
        if not self._state.adding and kwargs.get("update_fields") is None:
            # an instance loaded before a 书记 changed must not write its stale secretary_ready back
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "secretary_ready"
            ]
        super().save(*args, **kwargs)

    def _place(self):
        """Where a new org goes in the forest: a tree of its own at the top and under a leadership
        organ (a leadership organ with a block of tree ids for the trees below it), else inside its
        parent's tree, where django-mptt inserts it. The caller holds the lock of the parent's tree
        root (`suborgs.lock_tree`)."""
        parent = self.parent
        self.level = parent.level + 1 if parent else 0
        if parent is None or tree.owns_range(parent):
            block = tree.BLOCKS[self.leadership_level] if self.category == OrgCategory.LEADERSHIP else 1
            ((self.tree_id, self.tree_last),) = tree.allocate(Organization, parent, block=block)
            self.lft, self.rght, self.tree_level, self.tree_parent = 1, 2, 0, None
        else:
            self.tree_parent, self.tree_last = parent, parent.tree_id

    def get_absolute_url(self):
        return reverse("orgs:detail", args=[self.pk])

    # --- the forest's answers (django-mptt's own stop at the edge of a tree) ---------------------
    def get_children(self):
        return self.children.order_by(*tree.ORDER)

    def get_ancestors(self, ascending=False, include_self=False):
        q = tree.ancestors_q(self, include_self=include_self)
        return Organization.objects.filter(q).order_by("-level" if ascending else "level")

    def get_descendant_count(self):
        if self.rght is None:  # django-mptt asks while inserting
            return 0
        count = tree.size(self)
        return count - 1 if count is not None else self.subtree(include_self=False).count()

    def get_descendants(self, include_self=False):
        return self.subtree(include_self=include_self).order_by(*tree.ORDER)

    # --- what kind of org this is -------------------------------------------------
    @property
    def is_leadership(self):
        return self.category == OrgCategory.LEADERSHIP

    @property
    def is_committee_kind(self):
        return self.category in COMMITTEE_KINDS

    @property
    def is_province(self):
        """省级团委: decides the corrections and deletions of its subtree (BEY-02, MEM-09)."""
        return self.is_leadership and self.leadership_level == LeadershipLevel.PROVINCE

    @property
    def is_school_domain(self):
        return self.industry in SCHOOL_INDUSTRIES

    @property
    def may_mark_graduation(self):
        """ORG-15: 校团委, 二级团委, 年级团总支 of the school domain; not leadership organs or branches."""
        return self.is_committee_kind and self.is_school_domain

    @property
    def direct_superior(self):
        return self.parent

    def subtree(self, include_self=True):
        return Organization.objects.subtree_of(self, include_self=include_self)

    def contains(self, other):
        """Is `other` this org or below it (ROLE-02)? Pure arithmetic on the forest's bounds."""
        return tree.contains(self, other)

    def is_direct_superior_of(self, other):
        return other is not None and other.parent_id == self.pk


class AdminRegistrationCode(OneTimeCode):
    """管理员注册码 (ORG-09): 8 case-sensitive letters/digits, 20 days, single use."""

    org = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="registration_codes", verbose_name="组织"
    )
    code = models.CharField("管理员注册码", max_length=8, unique=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "管理员注册码"
        verbose_name_plural = "管理员注册码"
        indexes = [models.Index(fields=["expired", "expires_at"], name="regcode_expiry")]

    def __str__(self):
        return f"{self.org} {self.code}"


class GraduationCorrectionRequest(ChangeRequest):
    """毕业时间更正 (BEY-02, ORG-15): a graduation mark is final for the school, so a wrong one
    is corrected through a request that the branch's provincial committee (省级团委) decides.
    同意 applies the corrected mark: `orgs.graduation.apply_correction`."""

    branch = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="graduation_corrections", verbose_name="团支部"
    )
    old_month = models.DateField("原预计毕业时间", null=True, blank=True)
    old_reason = models.CharField("原无法确定毕业时间原因", max_length=200, blank=True)
    new_month = models.DateField("更正后预计毕业时间", null=True, blank=True)
    new_reason = models.CharField("更正后无法确定毕业时间原因", max_length=200, blank=True)
    explanation = models.CharField("更正说明", max_length=500)

    inbox_kind = "graduation_correction"
    target_field = "branch"
    review_url = "orgs:graduation_correction"
    not_decider = "只有该团支部所属的省级团委管理员可以审批毕业时间更正申请，您可以查看。"

    class Meta:
        verbose_name = "毕业时间更正申请"
        verbose_name_plural = "毕业时间更正申请"
        constraints = [
            # One open request per branch: a double click or a second admin can't file two.
            models.UniqueConstraint(
                fields=["branch"], condition=Q(state="pending"), name="one_pending_graduation_correction"
            ),
            # The corrected mark, like the mark itself: a month or a reason, exactly one.
            models.CheckConstraint(
                name="graduation_correction_month_xor_reason",
                condition=Q(new_month__isnull=False, new_reason="") | (Q(new_month__isnull=True) & ~Q(new_reason="")),
            ),
        ]
        indexes = [models.Index(fields=["approver", "state"], name="gradcorr_approver_state")]

    def __str__(self):
        return f"{self.branch}：毕业时间更正"

    @property
    def subject(self):
        return f"“{self.branch.name}”毕业时间更正申请"

    @property
    def effect(self):
        return f"{self.branch.name}的毕业时间已更正为 {self.new_label}"

    @staticmethod
    def mark_label(month, reason):
        if month:
            return f"{month:%Y-%m}"
        if reason:
            return f"无法确定（{reason}）"
        return "未标记"

    @property
    def old_label(self):
        return self.mark_label(self.old_month, self.old_reason)

    @property
    def new_label(self):
        return self.mark_label(self.new_month, self.new_reason)


from .models_lecture import LectureStudy, LectureStudyCount, PublicLecture  # noqa: E402, F401  (公开团课, EDU)
from .models_levels import LevelDelta, LevelFigure, LevelTransaction  # noqa: E402, F401  (组织录入情况, ORG-11)
from .models_life import AnnualRegistration, LifeRecord  # noqa: E402, F401  (组织生活, ORG-18)
from .models_notice import Notice, NoticeAttachment, NoticeRead, NoticeReadCount  # noqa: E402, F401  (工作通知, NTC)
