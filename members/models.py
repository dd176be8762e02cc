"""People (the login user) and their cadre posts (ROLE-01, ROLE-05, ROLE-06, ORG-12)."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.dispatch import Signal
from django.utils import timezone

from zhtj.core.audit import HistoryMixin
from zhtj.core.change_requests import ChangeRequest
from zhtj.core.idnumber import birth_date_of, gender_of, mask, normalize_id_number
from zhtj.core.models import OneTimeCode
from zhtj.core.tree import in_subtree, subtree_q

from .choices import (
    AppointmentMethod,
    DutyStatus,
    Education,
    Ethnicity,
    Gender,
    Occupation,
    PoliticalStatus,
    PostNature,
    PostTitle,
    StudyStatus,
    VerificationStatus,
)
from .rules import record_complete_q


class PersonQuerySet(models.QuerySet):
    def in_branches_of(self, org):
        """Members whose 团组织关系 lies in `org`'s subtree (one range join)."""
        return in_subtree(self, org, "branch")

    def visible_from(self, org):
        """People an admin of `org` may see: members of its subtree, or cadres holding an
        active post in it (ROLE-02)."""
        posts = in_subtree(CadrePost.objects.active(), org, "org").filter(person=OuterRef("pk"))
        # the branch's range as a condition of the row itself: looking one person up is then a
        # primary-key read, not a hashed IN over every member of the subtree (6 s at 团中央)
        return self.filter(subtree_q(org, "branch") | Exists(posts))


# Sent with `people` (saved Person rows) whenever new people are created, one at a time or by a
# bulk import: higher apps (入团激励, INC-15) react in one place, whatever the entry path.
people_created = Signal()


class PersonManager(BaseUserManager.from_queryset(PersonQuerySet)):
    use_in_migrations = True

    def create_user(self, id_number, password=None, **fields):
        """A new person logs in with the initial password: the ID number's last 8 characters (ROLE-06)."""
        id_number = normalize_id_number(id_number)
        fields.setdefault("birth_date", birth_date_of(id_number))
        fields.setdefault("gender", gender_of(id_number))
        person = self.model(id_number=id_number, **fields)
        if password is None:
            person.set_password(Person.initial_password_for(id_number))
            person.must_change_password = True
        else:
            person.set_password(password)
        person.save(using=self._db)
        return person

    def create_superuser(self, id_number, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(id_number, password, **fields)


class Person(HistoryMixin, AbstractBaseUser, PermissionsMixin):
    id_number = models.CharField("身份证号码", max_length=18, unique=True)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    mobile = models.CharField("手机号码", max_length=20, blank=True)
    # The one 团组织关系 (ROLE-05): a single FK, and the database refuses any org that
    # is not branch-kind (trigger in migration 0002, ORG-03).
    branch = models.ForeignKey(
        "orgs.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name="所在团支部",
        db_index=False,  # person_branch_stats below serves every lookup by branch
    )
    verification_status = models.CharField(
        "身份认证状态",
        max_length=12,
        choices=VerificationStatus.choices,
        default=VerificationStatus.UNVERIFIED,
    )
    # MEM-01 personal fields. Blank/null in the database because people arrive by several
    # paths (管理员注册 asks only a few); what is required is the entry forms' and the
    # import's business (members/validation.py), and MEM-08 completeness says what is missing.
    ethnicity = models.CharField("民族", max_length=16, choices=Ethnicity.choices, blank=True)
    education = models.CharField("学历", max_length=32, choices=Education.choices, blank=True)
    occupation = models.CharField("职业", max_length=32, choices=Occupation.choices, blank=True)
    # 在读状况 (a StudyStatus value) for students, else 具体职业 in words.
    occupation_detail = models.CharField("在读状况/具体职业", max_length=50, blank=True)
    political_status = models.CharField("政治面貌", max_length=32, choices=PoliticalStatus.choices, blank=True)
    joined_month = models.DateField("入团时间", null=True, blank=True, help_text="the first day of the join month")
    development_number = models.CharField("发展团员编号", max_length=12, blank=True)
    party_joined_month = models.DateField("入党时间", null=True, blank=True)
    party_application_submitted = models.BooleanField("是否递交入党申请书", null=True, blank=True)
    party_application_date = models.DateField("递交入党申请书时间", null=True, blank=True)
    is_volunteer = models.BooleanField("是否成为注册志愿者", null=True, blank=True)
    volunteer_since = models.DateField("成为注册志愿者时间", null=True, blank=True)
    # Set by the June 1 job for members of branches converted to 毕业生团组织 (ORG-16).
    is_graduate = models.BooleanField("毕业生", default=False)
    # MEM-11: set by the yearly age_out job (the day it found the member 28 with no post);
    # left_league_on when the branch confirmed the leaving (the branch relation is cleared then).
    aged_out_on = models.DateField("超龄标记日期", null=True, blank=True)
    left_league_on = models.DateField("离团日期", null=True, blank=True)
    # MEM-08: every required field of the row filled (rules.record_complete_q), kept by the database on
    # each write, so completeness in lists and org figures is one column, not twenty conditions.
    # The rule that moves with the calendar (from 18 on) is added at query time: person_complete_q.
    record_complete = models.GeneratedField(
        expression=record_complete_q(), output_field=models.BooleanField(), db_persist=True
    )
    must_change_password = models.BooleanField("须修改初始密码", default=False)
    is_active = models.BooleanField("可登录", default=True)
    is_staff = models.BooleanField("运维人员", default=False)
    date_joined = models.DateTimeField("创建时间", default=timezone.now)

    objects = PersonManager()

    USERNAME_FIELD = "id_number"
    REQUIRED_FIELDS = ["name"]
    history_fields = (
        "name",
        "gender",
        "id_number",
        "mobile",
        "branch_id",
        "verification_status",
        "is_active",
        "ethnicity",
        "education",
        "occupation",
        "occupation_detail",
        "political_status",
        "joined_month",
        "development_number",
        "party_joined_month",
        "party_application_submitted",
        "party_application_date",
        "is_volunteer",
        "volunteer_since",
        "aged_out_on",
        "left_league_on",
    )
    history_masked = {"id_number": (4, 4), "mobile": (3, 4)}  # SEC-03: a history shows them masked

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        indexes = [
            models.Index(fields=["branch", "name"], name="person_branch_name"),
            # 团内大数据 (STAT-01/02) over a province reads these columns of ~10^5 members from the
            # index alone (index-only scans), never the person rows: see docs/benchmarks.md
            models.Index(
                fields=["branch"],
                include=["id", "birth_date", "ethnicity", "education", "joined_month"],
                name="person_branch_stats",
            ),
            # 超龄团员 (MEM-11): the few flagged and not yet gone, without reading every person
            # (a sequential scan of 2,000,000 people at 团中央, 0.8-1.2 s)
            models.Index(
                fields=["branch"],
                condition=Q(aged_out_on__isnull=False, left_league_on__isnull=True),
                name="person_aged_out",
            ),
        ]
        constraints = [
            # MEM-04: a 发展团员编号 belongs to one person in the whole system.
            models.UniqueConstraint(
                fields=["development_number"],
                condition=~Q(development_number=""),
                name="unique_development_number",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # MEM-10: a verification speaks for one name + ID number; changing either resets it.
        before = getattr(self, "_history_snapshot", None)
        changed = before and (before.get("name") != self.name or before.get("id_number") != self.id_number)
        if changed and self.verification_status != VerificationStatus.UNVERIFIED:
            self.verification_status = VerificationStatus.UNVERIFIED
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "verification_status"}
        creating = self._state.adding
        super().save(*args, **kwargs)
        if creating:
            people_created.send(sender=Person, people=[self])

    @property
    def occupation_detail_display(self):
        """在读状况 label for a student, else the 具体职业 as typed."""
        if self.occupation == Occupation.STUDENT and self.occupation_detail in StudyStatus.values:
            return StudyStatus(self.occupation_detail).label
        return self.occupation_detail

    @staticmethod
    def initial_password_for(id_number):
        return id_number[-8:]

    @property
    def masked_id_number(self):
        return mask(self.id_number)

    @property
    def masked_mobile(self):
        return mask(self.mobile, 3, 4)

    @property
    def is_member(self):
        return self.branch_id is not None

    def own_orgs(self):
        """The orgs this person belongs to: the branch and every org of an active post."""
        orgs = [
            post.org for post in self.cadre_posts.active().select_related("org").order_by("org__tree_id", "org__lft")
        ]
        if self.branch_id and all(o.pk != self.branch_id for o in orgs):
            orgs.insert(0, self.branch)
        return orgs

    def admin_posts(self):
        """Active posts that carry admin rights: the orgs this person may act for."""
        return (
            self.cadre_posts.filter(admin_slot__isnull=False, ended_on__isnull=True)
            .select_related("org")
            .order_by("org__tree_id", "org__lft")
        )


class CadrePostQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)

    def admins(self):
        return self.active().filter(admin_slot__isnull=False)

    def free_admin_slots(self, org_id):
        """ORG-12: the admin slots (1 … ADMINS_PER_ORG) no active post of the org holds."""
        taken = set(self.admins().filter(org_id=org_id).values_list("admin_slot", flat=True))
        return [slot for slot in range(1, settings.ZHTJ["ADMINS_PER_ORG"] + 1) if slot not in taken]


class CadrePost(HistoryMixin, models.Model):
    """A person's post in an org. An admin is a post with an admin slot (1 … ADMINS_PER_ORG), so
    "admins are cadres of that org" holds by construction and "at most ADMINS_PER_ORG" is a
    unique index on (org, slot) with a check on the slot (ORG-12, ROLE-01). Changing the setting
    changes the check: `makemigrations` writes the migration."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cadre_posts",
        verbose_name="团干部",
    )
    org = models.ForeignKey(
        "orgs.Organization", on_delete=models.PROTECT, related_name="cadre_posts", verbose_name="任职组织"
    )
    title = models.CharField("团内现任职务", max_length=32, choices=PostTitle.choices)
    nature = models.CharField("团干部性质", max_length=16, choices=PostNature.choices, default=PostNature.PART_TIME)
    started_on = models.DateField("任现职年月", null=True, blank=True)
    ended_on = models.DateField("离任时间", null=True, blank=True)
    appointment_method = models.CharField("任现职方式", max_length=16, choices=AppointmentMethod.choices, blank=True)
    is_party_committee_member = models.BooleanField("是否同级党(工)委(党支部)委员", null=True, blank=True)
    duty_status = models.CharField("在岗状态", max_length=16, choices=DutyStatus.choices, default=DutyStatus.ON_DUTY)
    admin_slot = models.PositiveSmallIntegerField("管理员席位", null=True, blank=True)

    objects = CadrePostQuerySet.as_manager()
    history_fields = (
        "title",
        "nature",
        "started_on",
        "ended_on",
        "admin_slot",
        "appointment_method",
        "is_party_committee_member",
        "duty_status",
    )

    class Meta:
        verbose_name = "团干部职务"
        verbose_name_plural = "团干部职务"
        constraints = [
            models.CheckConstraint(
                name="admin_slot_within_admins_per_org",
                condition=Q(admin_slot__gte=1, admin_slot__lte=settings.ZHTJ["ADMINS_PER_ORG"])
                | Q(admin_slot__isnull=True),
            ),
            models.UniqueConstraint(
                fields=["org", "admin_slot"], condition=Q(admin_slot__isnull=False), name="one_post_per_admin_slot"
            ),
            models.CheckConstraint(
                name="admin_post_is_active", condition=Q(admin_slot__isnull=True) | Q(ended_on__isnull=True)
            ),
            models.UniqueConstraint(
                fields=["person", "org"], condition=Q(ended_on__isnull=True), name="one_active_post_per_person_org"
            ),
        ]
        indexes = [models.Index(fields=["org", "ended_on"], name="post_org_active")]

    def __str__(self):
        return f"{self.org} {self.get_title_display()} {self.person}"

    @property
    def is_admin(self):
        return self.admin_slot is not None and self.ended_on is None


class PasswordResetCode(OneTimeCode):
    """重置密码验证码 (ROLE-07): single use, 24 hours, burnt after a few wrong guesses."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reset_codes")
    code = models.CharField("验证码", max_length=8)
    failed_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "重置密码验证码"
        verbose_name_plural = "重置密码验证码"
        indexes = [models.Index(fields=["expired", "expires_at"], name="resetcode_expiry")]

    def __str__(self):
        return f"{self.person} {self.created_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def new_code():
        return f"{secrets.randbelow(10**8):08d}"

    def is_usable(self, now=None):
        return super().is_usable(now) and self.failed_attempts < settings.ZHTJ["RESET_CODE_MAX_TRIES"]


class AdminChangeRequest(ChangeRequest):
    """管理员变更 of one's own org, waiting for the direct superior (ORG-12), the stored `approver`.
    同意 grants or frees the admin slot: `members.services.apply_admin_change`."""

    class Action(models.TextChoices):
        ADD = "add", "添加管理员"
        REVOKE = "revoke", "撤销管理员"

    post = models.ForeignKey(
        CadrePost,
        on_delete=models.CASCADE,
        related_name="admin_change_requests",
        verbose_name="团干部",
    )
    action = models.CharField("变更类型", max_length=10, choices=Action.choices)

    inbox_kind = "admin_change"
    target_field = "post"
    review_url = "members:admin_request"
    not_decider = "隔级无法操作：只有直属上级团组织的管理员可以办理此事项。"

    class Meta:
        verbose_name = "管理员变更申请"
        verbose_name_plural = "管理员变更申请"
        constraints = [
            # One open request per cadre post: a double click can't file two.
            models.UniqueConstraint(
                fields=["post"], condition=Q(state="pending"), name="one_pending_admin_change_per_post"
            )
        ]

    def __str__(self):
        return f"{self.filed_by_org}：{self.get_action_display()} {self.post.person.name}"

    @property
    def subject(self):
        return f"管理员变更申请（{self.get_action_display()} {self.post.person.name}）"


from .models_archive import ArchiveChangeRequest, MemberArchive  # noqa: E402, F401  the e-archive (ARC)
from .models_cadres import CadreTraining, GraduateMark, PostChange  # noqa: E402,F401  (CAD, GRAD-01)
from .models_figures import FigureDelta, FigureTransaction, SubtreeFigure  # noqa: E402, F401  (STAT-03, BEY-08)
from .models_people import DeletionRequest  # noqa: E402, F401  the people half of issue 4
from .models_registration import SelfRegistration  # noqa: E402, F401  团员团干部注册 (REG)
