"""Enumerations of 团组织关系转接, with the seeds' Chinese labels."""

from django.db import models


class State(models.TextChoices):
    SENDING = "sending", "待转出组织审批"
    RECEIVING = "receiving", "待转入组织审批"
    ALLOCATING = "allocating", "待分配团支部"
    COMPLETED = "completed", "已完成"
    REJECTED = "rejected", "已拒绝"
    WITHDRAWN = "withdrawn", "已撤销"
    RETURNED = "returned", "已退回"


OPEN_STATES = (State.SENDING, State.RECEIVING, State.ALLOCATING)
# 转接记录 (TRF-08) lists these: named, so that the state index finds them (NOT IN reads every transfer)
CLOSED_STATES = tuple(s for s in State if s not in OPEN_STATES)


class Kind(models.TextChoices):
    """TRF-01: who started it decides which side's approval is already given."""

    INBOUND = "inbound", "办理转入"
    OUTBOUND = "outbound", "办理转出"
    MEMBER = "member", "团员申请"
    BATCH = "batch", "组织关系批量转接"


class Reason(models.TextChoices):
    FURTHER_STUDY = "further_study", "升学"
    GRADUATION = "graduation", "毕业（学社衔接）"
    JOB_CHANGE = "job_change", "工作调动"
    RESIDENCE = "residence", "居住地变动"
    DROP_OUT = "drop_out", "退学"
    ADJUSTMENT = "adjustment", "团组织调整"
    OTHER = "other", "其他"


class Destination(models.TextChoices):
    """TRF-09: 学社衔接 destination types of a graduate transfer."""

    EMPLOYED = "employed", "已就业"
    FURTHER_STUDY = "further_study", "升学"
    MILITARY = "military", "参军入伍/涉密单位"
    UNEMPLOYED = "unemployed", "未就业"
    KEEP_AT_SCHOOL = "keep_at_school", "未就业（保留在原学校，不超过6个月）"
    STUDY_ABROAD = "study_abroad", "出国（境）学习研究"
    WORK_ABROAD = "work_abroad", "出国（境）工作"
    DELAYED = "delayed", "延迟毕业"
