"""Every enumeration of 团内激励, with the seed's Chinese labels."""

from django.db import models


class Kind(models.TextChoices):
    """The five incentive kinds (INC-01) and the 推优 status updates (INC-12); 上级认证 has a tab
    per kind, 入团激励 first (INC-14)."""

    JOINING = "joining", "入团激励"
    EVALUATION = "evaluation", "评议激励"
    HONOR = "honor", "荣誉激励"
    OPPORTUNITY = "opportunity", "机会激励"
    DEVELOPMENT = "development", "发展激励"
    TRACK_UPDATE = "track_update", "推优状态更新"


class State(models.TextChoices):
    """One approval workflow for every kind (INC-13, INC-09)."""

    PENDING = "pending", "待认证"  # waiting for the recorder's direct superior
    GRANTOR = "grantor", "待授予组织认证"  # honors: waiting for the granting org (or its delegate)
    APPROVED = "approved", "已认证"
    REJECTED = "rejected", "未通过"


class Grade(models.TextChoices):
    """团员教育评议 results (INC-02)."""

    EXCELLENT = "excellent", "优秀"
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    UNQUALIFIED = "unqualified", "不合格"
    ABSENT = "absent", "未参加评议"


# INC-04: these grades need a 组织处置或纪律处分决定 (PDF) the superior must open.
GRADES_NEEDING_DECISION = frozenset({Grade.BASIC, Grade.UNQUALIFIED})


class HonorType(models.TextChoices):
    PERSONAL = "personal", "个人荣誉记载"
    COLLECTIVE = "collective", "集体荣誉记载"


class HonorTitle(models.TextChoices):
    """所获荣誉 (INC-07, INC-08)."""

    EXCELLENT_MEMBER = "excellent_member", "各级优秀共青团员"
    EXCELLENT_CADRE = "excellent_cadre", "优秀共青团干部(含少先队辅导员)"
    MAY_FOURTH_MEDAL = "may_fourth_medal", "青年五四奖章"
    MAY_FOURTH_COLLECTIVE_MEDAL = "may_fourth_collective_medal", "青年五四奖章集体"
    RED_FLAG_ORG = "red_flag_org", "五四红旗团组织"
    RED_FLAG_BRANCH = "red_flag_branch", "五四红旗团支部(总支)"


PERSONAL_TITLES = (HonorTitle.EXCELLENT_MEMBER, HonorTitle.EXCELLENT_CADRE, HonorTitle.MAY_FOURTH_MEDAL)
COLLECTIVE_TITLES = (HonorTitle.MAY_FOURTH_COLLECTIVE_MEDAL, HonorTitle.RED_FLAG_ORG, HonorTitle.RED_FLAG_BRANCH)


class DevelopmentKind(models.TextChoices):
    """发展激励 kinds (INC-10)."""

    MARXISM = "marxism", "推荐参加青年马克思主义者培养工程"
    VILLAGE = "village", '作为村(社区)"两委"人选'
    TALENT = "talent", "优秀青年人才举荐"
    PARTY = "party", "推优入党"


class PartyCategory(models.TextChoices):
    """推优类别 (INC-11): also the track the record follows (INC-12)."""

    ACTIVIST = "activist", "推荐作为入党积极分子"
    DEVELOPMENT = "development", "推荐作为党的发展对象"


class TrackStatus(models.TextChoices):
    """当前状态 of a 推优 record (INC-11, INC-12)."""

    UNCONFIRMED = "unconfirmed", "未确定"
    CONFIRMED = "confirmed", "已确定"
    OBSERVING = "observing", "处于考察期"
    DISQUALIFIED = "disqualified", "被取消资格"
    DEV_TARGET = "dev_target", "被确定为发展对象"
    JOINED = "joined", "已入党"


TERMINAL_STATUSES = frozenset({TrackStatus.DISQUALIFIED, TrackStatus.JOINED})


class OpportunityCategory(models.TextChoices):
    """机会激励 (INC-15, decision)."""

    TRAINING = "training", "教育培训"
    SECONDMENT = "secondment", "挂职锻炼"
    MAJOR_EVENT = "major_event", "重大活动"
    OTHER = "other", "其他"
