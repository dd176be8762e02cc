"""Every enumeration of 整理整顿 and 对标定级, with the seeds' Chinese labels."""

from django.db import models

from orgs.choices import OrgCategory


class Rating(models.TextChoices):
    """How a 自检表 item is rated (REC-01)."""

    GOOD = "good", "好"
    FAIR = "fair", "一般"
    POOR = "poor", "较差"


# REC-01 (decision): the 团支部自检表, 20 items in the six areas the SPEC names. Codes are stable
# keys of the stored answers; the text is what the branch reads.
CHECK_SECTIONS = (
    (
        "组织设置",
        (
            ("org_relation", "隶属关系清晰，组织设置符合团章规定"),
            ("org_info", "组织信息在系统中完整准确"),
            ("org_groups", "按规定设立、管理团小组"),
        ),
    ),
    (
        "班子建设",
        (
            ("lead_secretary", "书记配备齐整，随缺随补"),
            ("lead_election", "按期换届"),
            ("lead_division", "支委分工明确，支委会运转正常"),
            ("lead_training", "团干部按要求参加培训"),
        ),
    ),
    (
        "团员管理",
        (
            ("member_info", "团员底数清晰，团员信息完整，能联系上"),
            ("member_admission", "严格按照程序发展团员"),
            ("member_transfer", "团员组织关系应转尽转、应接尽接"),
            ("member_registration", "按时开展团籍注册"),
        ),
    ),
    (
        "组织生活",
        (
            ("life_activity", "每月至少开展1次团支部活动"),
            ("life_participation", "每次活动团员参与率50%以上"),
            ("life_meeting", "每年至少召开1次组织生活会，有主题有记录"),
            ("life_lesson", "按规定开展“三会两制一课”"),
        ),
    ),
    (
        "团费",
        (
            ("fee_paid", "团员按时足额交纳团费"),
            ("fee_forwarded", "按规定上缴团费"),
            ("fee_ledger", "团费收缴台账清楚"),
        ),
    ),
    (
        "阵地建设",
        (
            ("base_place", "有开展活动的固定场所或网上阵地"),
            ("base_online", "团支部网上阵地运转正常"),
        ),
    ),
)
CHECK_ITEMS = tuple((code, section, text) for section, items in CHECK_SECTIONS for code, text in items)
CHECK_CODES = tuple(code for code, _, _ in CHECK_ITEMS)


class RecState(models.TextChoices):
    """整顿状态 (REC-08). Three 待审核 states remember which review comes next."""

    NOT_SUBMITTED = "not_submitted", "未提交"
    PENDING = "pending", "待审核"  # a first form waits for 是否整改 (不通过 / 通过 / 开始整改)
    REJECTED = "rejected", "审核不通过"  # (decision) the branch was told and resubmits
    QUALIFIED = "qualified", "合格"
    BASIC = "basic", "基本合格"
    RECTIFIED = "rectified", "整改后合格"
    KEY = "key", "重点整改中"
    KEY_PENDING = "key_pending", "待审核"  # a key branch's new form waits for 通过 / 继续整改
    CONTINUE = "continue", "继续整改"
    KEY_QUALIFIED = "key_qualified", "重点整改后合格"
    DELISTED = "delisted", "已摘牌"


# REC-09: forms with 较差 = 0 the superior accepted are locked (BEY-02 correction only).
LOCKED_STATES = (RecState.QUALIFIED, RecState.RECTIFIED, RecState.KEY_QUALIFIED)
# Under key rectification and not done yet: the prompt, the year-end carry-over (REC-13).
KEY_OPEN_STATES = (RecState.KEY, RecState.KEY_PENDING, RecState.CONTINUE)
# Finished key rectification (REC-12 counts them in the month they finished).
KEY_DONE_STATES = (RecState.KEY_QUALIFIED, RecState.DELISTED)
AWAITING_REVIEW = (RecState.PENDING, RecState.KEY_PENDING)
# REC-05: states a branch may be selected among the bottom 20% from. 合格 / 整改后合格 /
# 重点整改后合格 are excluded by the seed; (decision) branches already under key rectification
# or done with it (已摘牌) are not selected again.
BOTTOM_ELIGIBLE_STATES = (RecState.NOT_SUBMITTED, RecState.PENDING, RecState.REJECTED, RecState.BASIC)
# REC-05: never selected, whatever their state.
BOTTOM_EXCLUDED_CATEGORIES = (OrgCategory.GRADUATE, OrgCategory.PENDING_TRANSFER)


class Level(models.TextChoices):
    """对标定级 levels (GRD-01, decision)."""

    FIVE = "5", "五星"
    FOUR = "4", "四星"
    THREE = "3", "三星"
    TWO = "2", "二星"
    ONE = "1", "一星"
    NONE = "0", "不予定级"


class GrdState(models.TextChoices):
    PENDING = "pending", "待复核"
    REVIEWED = "reviewed", "已复核"
    LOCKED = "locked", "已锁定"


# GRD-02 / GRD-04 (decision): 团(总)支部 that take part: 团支部, 团总支 and 毕业生团组织 (the FAQ
# says they do). 流动团员团支部 and 待接转团支部 are out by the seed; the system-made kinds too.
GRADING_CATEGORIES = (OrgCategory.BRANCH, OrgCategory.GENERAL_BRANCH, OrgCategory.GRADUATE)

# GRD-01: the reference standard (考察维度, 分值占比, 主要评价内容, 具体指标), the seed's table.
GRADING_STANDARD = (
    (
        "班子建设",
        "15% 左右",
        (
            ("1. 班子配备齐整", "书记配备齐整，随缺随补，按期换届；支书称职。"),
            ("2. 班子运转有序", "支委分工明确，支委会运转正常、能发挥作用。"),
        ),
    ),
    (
        "团员管理",
        "20% 左右",
        (
            ("3. 团员信息完整", "支部团员底数清晰，团员信息完整，能联系上。"),
            (
                "4. 入团程序规范",
                "严格按照程序发展团员；无突击发展团员、不满14周岁入团等现象；规范组织入团仪式。",
            ),
            ("5. 基础团务规范", "团员组织关系应转尽转、应接尽接；按时足额缴纳、上缴团费。"),
        ),
    ),
    (
        "活动开展",
        "20% 左右",
        (
            ("6. 经常开展团支部活动", "团支部每月至少开展1次活动；每次团员参与率50%以上。"),
            (
                "7. 按规定召开组织生活会",
                "定期开展组织生活会，每年不少于1次，有主题有记录。团总支书记、副书记编入一个团的支部，"
                "并参加所在团支部或者团小组组织生活。",
            ),
            ("8. 组织体系健全", "隶属关系清晰；团总支至少有2个下属支部；规范设立、管理团小组。"),
        ),
    ),
)
