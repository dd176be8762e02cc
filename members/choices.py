"""Every enumeration of people and posts, with the seeds' Chinese labels."""

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


class PostTitle(models.TextChoices):
    """团内现任职务."""

    SECRETARY = "secretary", "书记"
    DEPUTY_SECRETARY = "deputy_secretary", "副书记"
    STANDING_MEMBER = "standing_member", "常委"
    COMMITTEE_MEMBER = "committee_member", "委员"
    ORGANIZATION_MEMBER = "organization_member", "组织委员"
    PROPAGANDA_MEMBER = "propaganda_member", "宣传委员"
    DEPARTMENT_HEAD = "department_head", "部长"
    STAFF = "staff", "工作人员"
    OTHER = "other", "其他"


class PostNature(models.TextChoices):
    """团干部性质 (CAD-05)."""

    FULL_TIME = "full_time", "专职"
    SECONDED = "seconded", "挂职"
    PART_TIME = "part_time", "兼职"


class VerificationStatus(models.TextChoices):
    """身份认证状态 (MEM-10)."""

    UNVERIFIED = "unverified", "未认证"
    PASSED = "passed", "认证通过"
    FAILED = "failed", "认证不通过"
