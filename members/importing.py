"""批量导入 people from Excel (MEM-06, MEM-07, BEY-03).

Two templates: 导入下级团支部团员团干部 (members of one branch, cadre fields optional) and
导入本级团干部 (cadre posts in the acting org). Uploading one where the other is expected
is refused with the seed's message. The flow:

1. `parse` reads the file (zhtj.core.excel: size, content, marker, columns, formulas);
2. `validate` checks every row with validation.check_person / check_post, in bulk: one
   query for the ID numbers already stored, one for the 发展团员编号, one for the posts;
   rows repeating an ID number or a number of an earlier row fail; a person already in
   the branch (or already a cadre of the org) is reported 已存在, not created again;
3. the preview shows the counts and the first rows; 确认导入 runs `store` as a Celery
   task (members.tasks.run_import) that validates again (the database may have changed),
   then writes every valid row with bulk_create in ONE transaction, reporting progress
   to the cache; the failed rows go to an error workbook with a 失败原因 column.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from zhtj.core import audit
from zhtj.core.excel import Column, Template, column_reason, read_rows
from zhtj.core.idnumber import mask, normalize_id_number
from zhtj.core.models import AuditLog

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
)
from .models import CadrePost, Person, people_created
from .people import new_person
from .validation import Context, check_person, check_post

MEMBERS, CADRES = "members", "cadres"
# The seed's words (003 FAQ), its quotation marks included.
MIXUP = (
    "您上传的 excel 表格错误，\u2018导入本级团干部\u2019和\u2018导入下级团支部团员团干部\u2019中所下载的模板不可混用，"
    "请重新上传正确的表格"
)
MARKERS = {MEMBERS: "members-v1", CADRES: "cadres-v1"}
YES_NO = ("是", "否")

# (header, field, choices enum or YES_NO or None, required on the template)
PERSON_COLUMNS = [
    ("姓名", "name", None, True),
    ("性别", "gender", Gender, True),
    ("身份证号码", "id_number", None, True),
    ("民族", "ethnicity", Ethnicity, True),
    ("学历", "education", Education, True),
    ("职业", "occupation", Occupation, True),
    ("在读状况（学生填写）", "study_status", StudyStatus, False),
    ("具体职业（非学生填写）", "occupation_detail", None, False),
    ("政治面貌", "political_status", PoliticalStatus, True),
    ("入团时间", "joined_month", None, True),
    ("发展团员编号", "development_number", None, False),
    ("入党时间", "party_joined_month", None, False),
    ("手机号码", "mobile", None, True),
    ("是否递交入党申请书", "party_application_submitted", YES_NO, False),
    ("递交入党申请书时间", "party_application_date", None, False),
    ("是否成为注册志愿者", "is_volunteer", YES_NO, True),
    ("成为注册志愿者时间", "volunteer_since", None, False),
]
POST_COLUMNS = [
    ("团内现任职务", "title", PostTitle),
    ("任现职年月", "started_on", None),
    ("任现职方式", "appointment_method", AppointmentMethod),
    ("团干部性质", "nature", PostNature),
    ("是否同级党(工)委(党支部)委员", "is_party_committee_member", YES_NO),
    ("在岗状态", "duty_status", DutyStatus),
]
ID_HEADER = "身份证号码"
SCIENTIFIC = re.compile(r"\d(\.\d+)?[eE]\+?\d+")  # 3.70211E+17 pasted as text
TEXT_HEADERS = ("身份证号码", "发展团员编号", "手机号码", "入团时间", "入党时间", "任现职年月")
FLOAT_ID = (
    "身份证号码单元格是数字格式（Excel 会把18位号码显示为3.7E+17并丢失末尾数字，无法恢复）："
    "请把“身份证号码”列设置为“文本”格式后重新填写该号码。"
)


def _labels(choices):
    if choices is None:
        return ()
    if choices is YES_NO:
        return YES_NO
    return tuple(choices.labels)


def template(kind):
    cadre = kind == CADRES
    columns = [Column(h, required=req, choices=_labels(c), width=16) for h, _f, c, req in PERSON_COLUMNS]
    columns += [Column(h, required=cadre, choices=_labels(c), width=16) for h, _f, c in POST_COLUMNS]
    other = CADRES if kind == MEMBERS else MEMBERS
    max_rows = settings.ZHTJ["MEMBER_IMPORT_MAX_ROWS"]
    return Template(
        marker=MARKERS[kind],
        title="导入本级团干部" if cadre else "导入下级团支部团员团干部",
        columns=columns,
        instructions=[
            ("导入本级团干部" if cadre else "导入团员团干部") + " 填写说明",
            "1. 红色列名为必填项；有下拉列表的列请从下拉列表中选择。",
            "2. 身份证号码、发展团员编号、手机号码请以文本格式填写（本模板已将这些列设为文本格式；"
            "从其他表格粘贴时请“只粘贴值”），否则 Excel 会把18位身份证号码变成3.7E+17并丢失末尾数字。",
            "3. 入团时间等年月请按“2015-05”的格式填写，也可填写日期。",
            "4. 职业为学生的填写“在读状况”，其他职业填写“具体职业”。政治面貌为中共党员、中共预备党员的须填写入党时间。",
            "5. 2017年1月1日及以后入团的须填写发展团员编号（新疆地区2016年起）：12位数字，前四位为入团年份，不能与他人重复。",
            "6. 入团年龄：2017年1月1日及以后入团的须年满13周岁，以前入团的须年满12周岁（新疆地区均为13周岁）。",
            "7. 未满18周岁的，“是否递交入党申请书”可不填；是注册志愿者的须填写成为注册志愿者时间。",
            (
                "8. 本模板用于录入本组织的团干部，团干部信息各列均为必填。"
                if cadre
                else "8. 如录入的是团干部，请同时填写团干部信息各列；只录入团员的，团干部信息各列留空。"
            ),
            f"9. 请直接填写文字，不要使用公式、合并单元格；不要增删、改名列。一次最多导入{max_rows}行。",
            "10. 上传后先预览校验结果，确认后导入；校验不通过的数据可下载（含“失败原因”列），修改后重新上传，"
            "已导入的人员不会重复导入（按身份证号码判断）。新导入人员的初始密码为身份证号码后8位。",
        ],
        max_rows=max_rows,
        mixups={MARKERS[other]: MIXUP},
        text_columns=TEXT_HEADERS,
    )


def parse(upload, kind):
    """The data rows of the upload; ExcelError for the file as a whole."""
    return read_rows(upload, template(kind))


# --- validation ----------------------------------------------------------------------------------

CREATED, EXISTS, FAILED = "created", "exists", "failed"
STATUS_LABELS = {CREATED: "可导入", EXISTS: "已存在（不重复导入）", FAILED: "校验不通过"}


@dataclass
class RowResult:
    number: int
    values: dict  # the row as uploaded (header → text), for the preview and the error workbook
    status: str = CREATED
    reason: str = ""
    person: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    existing_pk: int | None = None

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]

    @property
    def masked_id_number(self):
        """SEC-03: the preview is a list, so the ID number is masked (the error workbook, the
        admin's own data coming back for correction, keeps it whole)."""
        return mask(self.values.get(ID_HEADER, ""))


def _values(row):
    """Excel row → the plain values validation takes (labels → choice values)."""
    values = {}
    for header, name, choices, _req in PERSON_COLUMNS:
        values[name] = _choice_value(row.values.get(header, ""), choices)
    for header, name, choices in POST_COLUMNS:
        values[name] = _choice_value(row.values.get(header, ""), choices)
    return values


def _choice_value(text, choices):
    text = (text or "").strip()
    if choices is YES_NO:
        return {"是": True, "否": False}.get(text, text or None)
    if choices is None or not text:
        return text
    return _by_label(choices).get(text, text)


@lru_cache(maxsize=64)
def _by_label(choices):
    """label → value of a choices class, built once (not for each of 10,000 rows' 20 cells)."""
    return {label: value for value, label in choices.choices}


_MESSAGES_ORDER = [n for _h, n, _c, _r in PERSON_COLUMNS] + [n for _h, n, _c in POST_COLUMNS]
_LABEL = {n: h for h, n, *_ in PERSON_COLUMNS + POST_COLUMNS}


def _reason(errors):
    ordered = sorted(errors.items(), key=lambda kv: _MESSAGES_ORDER.index(kv[0]) if kv[0] in _MESSAGES_ORDER else 99)
    return "；".join(column_reason(_LABEL.get(k, k), v) for k, v in ordered)


def validate(rows, kind, org, today=None):
    """Check every row (bulk look-ups, see the module docstring) → [RowResult]."""
    cadre_kind = kind == CADRES
    all_values = [_values(row) for row in rows]
    ctx = Context.build(org, all_values, today=today)
    # Who is already where: one query over the stored ID numbers found.
    known = {
        pk: (branch_id, name, active, occupation)
        for pk, branch_id, name, active, occupation in Person.objects.filter(pk__in=ctx.id_owners.values()).values_list(
            "pk", "branch_id", "name", "is_active", "occupation"
        )
    }
    posted = set(
        CadrePost.objects.active()
        .filter(org=org, person_id__in=ctx.id_owners.values())
        .values_list("person_id", flat=True)
    )
    seen_ids, seen_numbers = {}, {}
    results = []
    for row, values in zip(rows, all_values, strict=True):
        result = RowResult(row.number, row.values)
        results.append(result)
        errors = {}
        if row.formula_in:
            result.status, result.reason = (
                FAILED,
                column_reason("、".join(row.formula_in), "单元格中是公式，不支持公式，请直接填写文字。"),
            )
            continue
        if ID_HEADER in row.numbers_in or SCIENTIFIC.fullmatch(row.values.get(ID_HEADER, "")):
            result.status, result.reason = FAILED, column_reason(ID_HEADER, FLOAT_ID)
            continue
        try:
            id_number = normalize_id_number(values["id_number"])
        except Exception:  # noqa: BLE001 -- check_person gives the message
            id_number = None
        if id_number and id_number in seen_ids:
            result.status = FAILED
            result.reason = column_reason(
                ID_HEADER, f"与第{seen_ids[id_number]}行重复，同一文件中一个身份证号码只能出现一次。"
            )
            continue
        if id_number:
            seen_ids[id_number] = row.number
        owner = ctx.id_owners.get(id_number) if id_number else None
        if owner is not None:
            branch_id, name, active, _occupation = known[owner]
            if not active:
                errors["id_number"] = "该人员已被删除（停用），不能导入。"
            elif name != values["name"].strip():
                errors["id_number"] = "该身份证号码已在系统中，但姓名与系统中的不一致，请核对。"
            elif not cadre_kind:
                if branch_id == org.pk:
                    result.status, result.existing_pk = EXISTS, owner
                    continue
                errors["id_number"] = (
                    "该身份证号码已在系统中的其他团支部，一名团员只能在一个团支部；如需转入本支部，请办理组织关系转接。"
                    if branch_id
                    else "该身份证号码已在系统中（非团支部成员），请联系其所在组织核对后办理。"
                )
            else:
                if owner in posted:
                    result.status, result.existing_pk = EXISTS, owner
                    continue
                result.existing_pk = owner  # an existing person: only the post is added
            if errors:
                result.status, result.reason = FAILED, _reason(errors)
                continue
        if result.existing_pk is None:
            person, errors = check_person(values, ctx)
            number = person.get("development_number")
            if number and "development_number" not in errors:
                if number in seen_numbers:
                    errors["development_number"] = f"发展团员编号与第{seen_numbers[number]}行重复。"
                else:
                    seen_numbers[number] = row.number
            result.person = person
        wants_post = cadre_kind or any(values[n] not in ("", None) for _h, n, _c in POST_COLUMNS)
        if wants_post:
            stored = known[result.existing_pk][3] if result.existing_pk is not None else None
            post, post_errors = check_post(values, ctx, occupation=stored)
            errors |= post_errors
            result.post = post
        if errors:
            result.status, result.reason = FAILED, _reason(errors)
    return results


def counts(results):
    return {status: sum(r.status == status for r in results) for status in STATUS_LABELS}


# --- writing -------------------------------------------------------------------------------------


def store(results, kind, org, progress=None):
    """Write the valid rows in one transaction, bulk inserts in chunks; `progress(done)`
    after each chunk. Returns the number of people/posts created."""
    chunk = settings.ZHTJ["MEMBER_IMPORT_CHUNK"]
    todo = [r for r in results if r.status == CREATED]
    branch = org if kind == MEMBERS else None
    done = 0
    with transaction.atomic():
        for start in range(0, len(todo), chunk):
            part = todo[start : start + chunk]
            new = [new_person(r.person, branch) for r in part if r.existing_pk is None]
            Person.objects.bulk_create(new, batch_size=chunk)  # the ids come back (RETURNING)
            pks = {p.id_number: p.pk for p in new}
            people_created.send(sender=Person, people=new)
            posts = [
                CadrePost(person_id=r.existing_pk or pks[r.person["id_number"]], org=org, **r.post)
                for r in part
                if r.post
            ]
            CadrePost.objects.bulk_create(posts, batch_size=chunk)
            _audit_created(pks.values(), "批量导入")
            done += len(part)
            if progress:
                progress(done)
    return done


def _audit_created(pks, note):
    """One 'create' audit row per new person, as one INSERT … SELECT (no objects per row)."""
    pks = list(pks)
    if not pks:
        return
    actor, acting_org_id = audit.current_actor()
    log, person = AuditLog._meta.db_table, Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {log} (at, actor_id, acting_org_id, content_type_id, object_id, action, from_state, to_state,"
            f" changes, note) SELECT %s, %s, %s, %s, id, 'create', '', '', '{{}}', %s FROM {person}"
            f" WHERE id IN ({', '.join(['%s'] * len(pks))})",
            [
                timezone.now(),
                actor.pk if actor else None,
                acting_org_id,
                ContentType.objects.get_for_model(Person).pk,
                note,
                *pks,
            ],
        )
