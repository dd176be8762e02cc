"""`make mutation`: mutmut over the rule modules, each with only its own tests (issue 22).

    python tools/mutation.py                      every module of MODULES, one after another
    python tools/mutation.py members/rules.py     only these modules
    python tools/mutation.py --table              the kill table of the last runs (docs/testing.md)
    python tools/mutation.py --survivors MODULE   the diffs of MODULE's surviving mutants

Each module runs in its own work folder .mutation/<module>/ (kept: a rerun only tests mutants
whose code or tests changed): links to the project's folders, and a pyproject.toml that tells
mutmut which file to mutate and which tests are that file's own. mutmut then runs, for each
mutant, only the tests that executed the mutated function.

With DATABASE_URL the tests run on a PostgreSQL test database kept between runs (--reuse-db: no
migrations per mutant) and one mutant at a time (they would share it); without it on SQLite in
a file per mutant (tests/conftest.py), migrated for every mutant (3-4 s each, 15-20 s on a loaded
machine) but allowing MUTATION_CHILDREN at once (then without REDIS_URL: a cache of their own).
Mutants that are equivalent (no test can tell them apart from the original) are listed with why
in EQUIVALENT below; they count in the table's "equivalent" column, not as survivors.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
APPS = ["members", "orgs", "transfers", "incentives", "rectification", "zhtj"]
ALSO = ["templates", "static", "manage.py"]

# module → its own tests (those that exercise the rules it holds).
MODULES = {
    "members/rules.py": ["tests/members/test_rules.py", "tests/members/test_admin_register.py"],
    "members/validation.py": ["tests/members/test_validation.py", "tests/members/test_rules.py"],
    "members/cadres.py": [
        "tests/members/test_cadre_change.py",
        "tests/members/test_cadre_remove.py",
        "tests/members/test_cadre_training.py",
        "tests/members/test_delayed_graduation.py",
        "tests/members/test_staffing_monitor.py",
    ],
    "members/archives.py": [
        "tests/members/test_archive_rule.py",
        "tests/members/test_archive_upload.py",
        "tests/members/test_archive_review.py",
        "tests/members/test_archive_batch.py",
        "tests/members/test_archive_boundary.py",
        "tests/members/test_archive_access.py",
        "tests/members/test_archive_pages.py",
    ],
    "orgs/codes.py": [
        "tests/orgs/test_code_rules.py",
        "tests/orgs/test_registration_codes.py",
        "tests/members/test_admin_register.py",
    ],
    # Its own tests call it directly; the pages' (tests/orgs/test_graduation.py) took 1-48 s each
    # per mutant on the loaded machine.
    "orgs/graduation.py": ["tests/orgs/test_graduation_rules.py", "tests/orgs/test_graduation_job.py"],
    "orgs/suborgs.py": [
        "tests/orgs/test_create_suborgs.py",
        "tests/orgs/test_delete_suborg.py",
        "tests/orgs/test_registration_codes.py",
    ],
    "transfers/services.py": [
        "tests/transfers/test_rules.py",
        "tests/transfers/test_flows.py",
        "tests/transfers/test_batch.py",
        "tests/transfers/test_batch_edges.py",
        "tests/transfers/test_service_edges.py",
    ],
    "transfers/calendar.py": ["tests/transfers/test_calendar.py"],
    "transfers/jobs.py": ["tests/transfers/test_deadlines.py"],
    "incentives/models.py": [
        "tests/incentives/test_honors.py",
        "tests/incentives/test_evaluation.py",
        "tests/incentives/test_records.py",
        "tests/incentives/test_certify.py",
        "tests/incentives/test_certify_all.py",
        "tests/incentives/test_development.py",
    ],
    "incentives/services.py": [
        "tests/incentives/test_records.py",
        "tests/incentives/test_development.py",
        "tests/incentives/test_honors.py",
        "tests/incentives/test_evaluation.py",
        "tests/incentives/test_certify.py",
        "tests/incentives/test_certify_all.py",
        "tests/incentives/test_malformed_ids.py",
    ],
    "incentives/tracking.py": ["tests/incentives/test_development.py"],
    "rectification/services.py": [
        "tests/rectification/test_bottom.py",
        "tests/rectification/test_key_list.py",
        "tests/rectification/test_correction.py",
        "tests/rectification/test_progress.py",
        "tests/rectification/test_self_check.py",
        "tests/rectification/test_evaluate.py",
        "tests/rectification/test_review.py",
        "tests/rectification/test_carry_over.py",
        "tests/rectification/test_grading_review.py",
        "tests/rectification/test_prompts_and_menu.py",
    ],
    "rectification/grading.py": [
        "tests/rectification/test_grading_rules.py",
        "tests/rectification/test_grading_self.py",
        "tests/rectification/test_grading_review.py",
        "tests/rectification/test_grading_review_all.py",
        "tests/rectification/test_grading_service.py",
    ],
    "rectification/models.py": [
        "tests/rectification/test_self_check.py",
        "tests/rectification/test_review.py",
        "tests/rectification/test_evaluate.py",
        "tests/rectification/test_key_list.py",
        "tests/rectification/test_progress.py",
        "tests/rectification/test_correction.py",
        "tests/rectification/test_grading_self.py",
        "tests/rectification/test_grading_review.py",
        "tests/rectification/test_grading_rules.py",
    ],
    "zhtj/core/access.py": ["tests/core/test_access_policies.py", "tests/core/test_acting_org.py"],
    # Its own tests call it directly; the pages' tests that go through it (admin changes, the
    # archive and certification batches) took 10-15 s each per mutant on the loaded machine.
    "zhtj/core/workflow.py": ["tests/core/test_workflow.py", "tests/core/test_concurrency.py"],
    # Its own tests call it directly, without a database (1 s); the import pages' tests that go
    # through it take 50 s, too slow for each of its mutants.
    "zhtj/core/excel.py": ["tests/core/test_excel.py"],
    "zhtj/core/jobs.py": ["tests/core/test_jobs.py"],
    "members/jobs.py": [
        "tests/core/test_jobs.py",
        "tests/members/test_age_out.py",
        "tests/orgs/test_graduation_job.py",
        "tests/orgs/test_registration_codes.py",
    ],
    "incentives/jobs.py": ["tests/incentives/test_development.py"],
    "rectification/jobs.py": ["tests/rectification/test_carry_over.py", "tests/rectification/test_grading_review.py"],
}
MIN_RATE = 90  # issue 22: killed + equivalent, per module
# The size CI runs (.ci/run): one small module, so the command can't rot unnoticed.
CI_MODULES = ["transfers/calendar.py"]

KILLED = {"killed", "timeout", "segfault", "caught by type check"}
# mutant name → why no test can kill it. Counted as "equivalent" in the table.
EQUIVALENT = {
    "members.rules.x_parse_year_month__mutmut_53": (
        "today.replace(day=1) → day=2: the month parsed is always a 1st, so it is after the 1st of"
        " this month exactly when it is after the 2nd"
    ),
    "members.rules.x__months__mutmut_1": "month - 1 → + 1: _months is only ever subtracted from another _months",
    "transfers.calendar.x_period_of__mutmut_23": "APPLY_END < day → <=: the day APPLY_END is 申请期 by the test before",
    "incentives.jobs.x_mark_due__mutmut_11": (
        "dev_kind=PARTY dropped: only a 推优入党 record ever gets last_step_on (Development.on_effective,"
        " TrackUpdate.on_effective), so last_step_on__lte already keeps the other kinds out"
    ),
    "incentives.jobs.x_mark_due__mutmut_12": (
        "record__state=APPROVED dropped: last_step_on is set when the record takes effect (approved),"
        " and no transition leaves 已认证, so every row with a last_step_on is approved"
    ),
    "members.cadres.x_change_post__mutmut_29": "exclude(pk=post.pk) → pk=None: only reached when the post is not a 书记, so it is never among the 书记 it excludes",
    "members.cadres.x__locked_active__mutmut_17": "select_related without 'org': the post's org is then read lazily, the same row",
    "members.cadres.x__locked_active__mutmut_18": "select_related without 'person': the post's person is then read lazily, the same row",
    "members.cadres.x_change_post__mutmut_35": "select_related('person') → None: the holder's person is then read lazily, same name in the message",
    "transfers.jobs.x_transfer_deadlines__mutmut_94": (
        "~Q(kind=MEMBER) → ~Q(kind=None), every kind: a 团员申请's 转出 step is never its last; the first"
        " UPDATE has already moved those rows on, their step restarted at the run's moment, so none is stale"
    ),
    "transfers.jobs.x_transfer_deadlines__mutmut_111": (
        "the 办结 step without target__is_branch_kind=True: the UPDATE before it has moved the steps into a"
        " committee on to 分配团支部, their step restarted at the run's moment, so none of them is stale"
    ),
    "transfers.jobs.x__complete_stamped__mutmut_24": (
        "[:1] → [:2]: a person has one open transfer at most (the one_open_transfer constraint), so one stamped row"
    ),
    "transfers.jobs.x__of__mutmut_2": (
        "`part is not None` → `or True`: part is None only in a direct call without a share; the registry"
        " (jobs.run, the Celery chord) always passes one"
    ),
    "members.jobs.x_age_out__mutmut_13": (
        "branch__isnull=False dropped: every run passes a share, whose part.q('branch') keeps only people in"
        " a branch of its range"
    ),
    "members.jobs.x_age_out__mutmut_14": (
        "is_active=True dropped: deleting a person (people.deactivate, MEM-09) clears the branch, so no"
        " inactive person is in a branch of the share"
    ),
    "members.jobs.x_age_out__mutmut_15": (
        "left_league_on__isnull dropped: the branch's confirmation of leaving sets left_league_on and clears"
        " the branch in one UPDATE (people.confirm_leaving), so nobody who left is in a branch"
    ),
    "members.archives.x_transfer_refusals__mutmut_4": (
        "only('pk', 'name') → only('name'): Django's only() always loads the primary key"
    ),
    "members.archives.x__store__mutmut_5": (
        "archive_upload_to(None, upload.name) → (None, None): the stored name ignores the file's own"
        " (a path nobody can guess, SEC-01)"
    ),
    "zhtj.core.workflow.x_perform_many__mutmut_28": "careful=False → None: both falsy, the same chunk without per-row savepoints",
    **{
        f"members.archives.x_upload_archive__mutmut_{n}": (
            "the upload's audit row without actor=by: upload_archive is called only by the upload view,"
            " whose request's user is `by`, and audit.record takes the request's actor when given none"
        )
        for n in (24, 29)
    },
    "zhtj.core.jobs.x_moment_for__mutmut_8": (
        "`beat_time(name) if name` → `or True`: beat_time(None) finds no beat entry and gives time.max, the same"
    ),
    "zhtj.core.jobs.x_finish__mutmut_12": (
        "save(update_fields=[...]) → None: the run's row was created just before by the same process;"
        " saving every field writes the same name, date and via again"
    ),
    "orgs.codes.x__open_codes__mutmut_6": (
        "expired=False dropped: the open codes are only ever marked expired=True, which a code already expired is"
    ),
    "orgs.codes.x_generate_for_children__mutmut_7": (
        "values_list('pk', flat=True) → values_list(flat=True): without a field, flat gives each row's"
        " first field, the pk"
    ),
    "orgs.codes.x_generate_for_children__mutmut_46": (
        "zip(strict=True) → None: `fresh` is filled one code at a time until it has exactly as many as"
        " the children, so the lengths never differ"
    ),
    "orgs.codes.x_generate_for_children__mutmut_49": "zip without strict: as mutmut_46",
    "orgs.codes.x_generate_for_children__mutmut_51": "zip(strict=False): as mutmut_46",
    "orgs.codes.x__children_with_holdings__mutmut_5": (
        "order_by without sort_order: MPTT's order_insertion_by = sort_order keeps one parent's"
        " children in tree (lft) order by sort_order (a changed sort_order moves the node on save), so"
        " lft alone orders them the same"
    ),
    "orgs.codes.x__children_with_holdings__mutmut_6": "order_by without tree_id: one parent's children share a tree_id",
    "rectification.grading.x_review__mutmut_34": (
        "records of every org of the year, not only the ticked ones: they are looked up by the ticked"
        " orgs' pks only, so the others are read and never used"
    ),
    **{
        f"rectification.grading.x_review_progress__mutmut_{n}": (
            "distinct dropped from 已自评/已复核: one record per org and year (one_grading_record_per_year),"
            " so the year's joined rows are one per org already"
        )
        for n in (21, 24, 30, 33, 36, 45)
    },
    **{
        f"rectification.grading.x_review_rows__mutmut_{n}": (
            "a record's sub-select sliced [:2] instead of [:1]: one record per org and year"
            " (one_grading_record_per_year), so it never has a second row"
        )
        for n in (32, 37, 42, 47, 52, 57)
    },
    "rectification.grading.x_pending_reviews__mutmut_7": (
        "category__in dropped from the children: in_scope_q(year), applied next, keeps the same categories"
    ),
    "rectification.grading.x_review_rows__mutmut_11": "order_by without tree_id: one parent's children share a tree_id",
    "rectification.models.xǁCampaignRecordǁlast_check__mutmut_3": (
        "order_by('-submitted_at', '-pk') → ('-pk'): forms are only made with submitted_at = now (_add_check,"
        " the demo), so a later row is never an earlier submission"
    ),
    "rectification.models.xǁCampaignRecordǁ_add_check__mutmut_42": (
        "getattr(by, 'name', '') → (…, None): followed by `or ''`, None and '' both give ''"
    ),
    # rectification/services.py: the carry-over's batch size, and a month's bounds that hold anyway.
    **{
        f"rectification.services.x_carry_over__mutmut_{n}": (
            "bulk_create's batch_size (none, None, 501): only how many statements the same rows take"
        )
        for n in (74, 77, 79)
    },
    "rectification.services.x_progress__mutmut_13": (
        "state__in=KEY_DONE_STATES dropped from a month's count: key_done_at is set only by 通过 of a key"
        " branch (pass_key) and cleared on every way out of 重点整改后合格 / 已摘牌 (≥10 较差 again,"
        " 不予定级, the correction's unlock), so a record that has one is finished"
    ),
    "rectification.services.x_progress__mutmut_19": (
        "the month's end as (m + 33 days).replace(day=1): from a month's 1st, 32 or 33 days both land in"
        " the next month (28 to 31 days long), whose 1st it is either way"
    ),
    **{
        f"rectification.services.x_with_status__mutmut_{n}": (
            "a record's sub-select sliced [:2] instead of [:1]: one record per branch and year"
            " (one_campaign_record_per_year), so it never has a second row"
        )
        for n in (27, 33, 38, 47)
    },
    "rectification.services.x_rec_orgs__mutmut_16": (
        "exclude(pk=None) for 团中央's own pk: 团中央 is no branch and never has a record (records are"
        " made for 团(总)支部 only: their forms, 不予定级, the carry-over), so it isn't listed either way"
    ),
    "rectification.services.x_rec_orgs__mutmut_29": "subtree_of(include_self=None): both falsy, the subtree without its top",
    "rectification.services.x_parse_month__mutmut_3": (
        "(raw or '') → (raw or 'XXXX'): no campaign month reads XXXX, so None as for ''"
    ),
    **{
        f"rectification.services.x_rec_orgs__mutmut_{n}": (
            "the records' IN list without its subtree condition / without is_branch_kind=False: `below`"
            " already keeps the subtree's orgs and every branch kind; the conditions only keep the list small"
        )
        for n in (36, 37)
    },
    "orgs.codes.x_clean_code_text__mutmut_3": (
        "(text or '') → (text or 'XXXX'): four characters fail the 8-character format as '' does, with the same message"
    ),
    **{
        f"members.validation.xǁContextǁbuild__mutmut_{n}": (
            "the look-up made even for no ID numbers / no 发展团员编号 (`if ids` → `or True`): an empty"
            " IN finds nobody, the same {} -- the condition only saves a query"
        )
        for n in (17, 30)
    },
    "members.validation.x_bad_development_numbers__mutmut_7": (
        "number_required_from(False) → (None): both falsy, the national date either way"
    ),
    # orgs/suborgs.py: the new orgs' rows are found by more conditions than they need, and
    # `_insert_leaves` keeps things in step that nothing reads afterwards.
    "orgs.suborgs.x__insert_leaves__mutmut_16": (
        "parent=parent dropped under a leadership organ: the tree ids in the range were allocated just"
        " now, so the new orgs (each its tree's only row) are all that is in it"
    ),
    "orgs.suborgs.x__insert_leaves__mutmut_19": "places[0][1] for [0][0]: a new tree's tree_last is its tree_id (a block of 1)",
    "orgs.suborgs.x__insert_leaves__mutmut_22": "places[-1][1] for [-1][0]: a new tree's tree_last is its tree_id (a block of 1)",
    "orgs.suborgs.x__insert_leaves__mutmut_27": (
        "order_by without sort_order: siblings lie in 组织排序 order by lft (MPTT's order_insertion_by),"
        " so the leftmost of those sorting after 0 is the lowest"
    ),
    "orgs.suborgs.x__insert_leaves__mutmut_28": "order_by without tree_id: a parent owning no block has all its children in its own tree",
    "orgs.suborgs.x__insert_leaves__mutmut_77": (
        "parent=parent dropped: in the parent's tree, lft in [at, at + 2k) are exactly the k leaves just made"
    ),
    "orgs.suborgs.x__insert_leaves__mutmut_78": "tree_id=t dropped: a parent owning no block has all its children in its own tree",
    **{
        f"orgs.suborgs.x__insert_leaves__mutmut_{n}": (
            "parent.rght after the shift (=, -=, 2 / k, 3 * k): the parent in memory is not read again"
            " (import_suborgs returns the rows' results); the database's bounds are shifted by the update"
        )
        for n in (84, 85, 86, 87)
    },
    **{
        f"orgs.suborgs.x__insert_leaves__mutmut_{n}": "zip without strict: places are made one per spec (k = len(specs))"
        for n in (118, 121, 122)
    },
    **{
        f"orgs.suborgs.x__insert_leaves__mutmut_{n}": (
            "bulk_create's batch_size (none, None, 501): only how many statements the same rows take"
        )
        for n in (124, 126, 127, 132, 134, 176)
    },
    **{
        f"orgs.suborgs.x__row_problem__mutmut_{n}": (
            "a missing cell read as None (or get's own None) instead of '': both falsy, refused as empty alike"
        )
        for n in (3, 5, 8, 10)
    },
    **{
        f"orgs.suborgs.x_with_holdings__mutmut_{n}": "Subquery without output_field: Django takes the count's integer type"
        for n in (22, 24)
    },
    "orgs.suborgs.x_with_holdings__mutmut_38": (
        "ended_on__isnull dropped for admins: an ended post holds no admin slot (check constraint admin_post_is_active)"
    ),
    # zhtj/core/excel.py: openpyxl's and zipfile's own leniency, and arguments that equal the defaults.
    "zhtj.core.excel.xǁTemplateǁworkbook__mutmut_108": "marker['a1']: openpyxl reads a cell's coordinate case-blind",
    "zhtj.core.excel.x_open_upload__mutmut_48": "wb[MARKER_SHEET]['a1']: openpyxl reads a cell's coordinate case-blind",
    **{
        f"zhtj.core.excel.x_open_upload__mutmut_{n}": (
            "upload.seek(1) before is_zipfile / load_workbook: zipfile finds an archive by its end record,"
            " seeking there itself, so where the file stood doesn't matter"
        )
        for n in (24, 34)
    },
    **{
        f"zhtj.core.excel.x_open_upload__mutmut_{n}": "load_workbook's data_only=None or left out: both False, as given"
        for n in (38, 41)
    },
    **{
        f"zhtj.core.excel.x_open_upload__mutmut_{n}": "the header's iter_rows without min_row (or None): it starts at row 1 anyway"
        for n in (57, 60)
    },
    **{
        f"zhtj.core.excel.x_open_upload__mutmut_{n}": (
            "the header's iter_rows with max_row None, left out or 2: next() takes only the first row it yields"
        )
        for n in (58, 61, 64)
    },
    **{
        f"zhtj.core.excel.x__data_rows__mutmut_{n}": (
            "zip(strict=None / left out / True): the cells are cut to the header's length, and a read-only"
            " sheet pads each row to the sheet's width, which is at least the header's: always equal lengths"
        )
        for n in (23, 26, 27)
    },
    **{
        f"zhtj.core.excel.x_export_response__mutmut_{n}": "the Content-Disposition header in other case: Django's headers are case-blind"
        for n in (17, 18)
    },
    **{
        f"zhtj.core.excel.x_error_workbook_response__mutmut_{n}": (
            "a missing value written as None instead of '': openpyxl writes '' as a cell without a value,"
            " None as no cell, both an empty cell when read"
        )
        for n in (43, 45)
    },
    # incentives/models.py and incentives/services.py: states that never meet, saves of a row just read.
    "incentives.models.xǁDevelopmentǁon_effective__mutmut_4": (
        "save(update_fields=[...]) → None: the detail was created or read in the same transaction that"
        " makes it effective, so saving every field writes the values it holds again"
    ),
    "incentives.models.xǁEvaluationǁbefore_approve__mutmut_24": (
        "save(update_fields=['grade']) → None: the detail is read in the approving transaction, after"
        " the record's lock, so every other field it saves is the value it read"
    ),
    "incentives.services.xǁBatchErrorǁ__init____mutmut_1": (
        "handled=False → True as the default: its one caller (decide_many) always passes handled"
    ),
    "incentives.services.x_decide__mutmut_1": (
        "note='' → 'XXXX' as the default: both callers (the 审批 view, decide_many) pass the note"
    ),
    **{
        f"incentives.services.x_decide__mutmut_{n}": (
            "acting=None / left out in the transition's arguments: no kind's before_approve reads it"
            " (Detail's and Evaluation's take it and ignore it); the guard gets its own acting"
        )
        for n in (18, 25)
    },
    "incentives.services.x_record_grades__mutmut_45": (
        "the existing results read without person__in: they are looked up by each ticked person's pk,"
        " so the year's other results are read (and locked) and never used"
    ),
    "incentives.services.x_record_grades__mutmut_47": (
        "select_related('record') → (None): each result's record is then read lazily, the same row"
    ),
    "incentives.services.x_record_grades__mutmut_54": (
        "`已认证 or first_approved_at` → `and`: an evaluation is decided in one step, so an 已认证 one"
        " always has its first_approved_at and one with it is 已认证"
    ),
    "incentives.services.x_record_grades__mutmut_114": (
        "decision_file = '' → None: a FileField set to None is saved as '' (FieldFile's str), the same"
        " empty column, and its name is compared with the replaced one's the same way"
    ),
    **{
        f"incentives.services.x_record_development__mutmut_{n}": (
            "category / status '' → 'XXXX' as the default: neither is a 推优类别 or an allowed 当前状态,"
            " so 推优入党 without it is refused alike, and the other kinds don't read it"
        )
        for n in (2, 3)
    },
    "incentives.services.x_record_honor__mutmut_71": (
        "a collective honor's recipients [] instead of None: set([]) on a new honor adds nobody either"
    ),
    "incentives.services.x_create_record__mutmut_51": (
        "on_effective(record) → (None): no kind's hook reads its argument (Development's reads its own"
        " fields; TrackUpdate's, never effective at creation, its own record)"
    ),
    "incentives.services.x_delegate_approval__mutmut_22": (
        "save(update_fields=[...]) → None: the row was read under its lock just before; saving every"
        " field writes the same values with the new delegate"
    ),
    **{
        f"incentives.services.x_record_joinings__mutmut_{n}": (
            "the 已认证 arm of a joining's first state (decided_by's COALESCE and its parameter) dropped or"
            " changed: a joining's recorder is the person's branch, which the database keeps branch-kind"
            " (ORG-03), so the first state is always 待认证 (INC-13) and the arm is never taken"
        )
        for n in (30, 32, 33, 34, 47)
    },
    **{
        f"incentives.services.x_record_joinings__mutmut_{n}": (
            "SQL keywords or unquoted column names in the other case (NULL, CAST … AS TEXT, SUBSTR, the"
            " INSERT's columns): PostgreSQL and SQLite read them case-blind"
        )
        for n in (37, 43, 45, 46, 62)
    },
    **{
        f"incentives.services.x_record_joinings__mutmut_{n}": (
            "the first state asked without the kind (None / left out): initial_state reads the kind only"
            " to tell a 推优状态更新, and neither is one"
        )
        for n in (18, 20)
    },
    "incentives.services.x_request_track_update__mutmut_7": (
        "select_related without 'record': 'record__person' follows the record too"
    ),
    "incentives.services.x_request_track_update__mutmut_8": (
        "select_related without 'record__person': the record's person is then read lazily, the same row"
    ),
    "incentives.services.x_records_of__mutmut_11": (
        "order_by without the last '-pk': one person's records of a kind never share a created_at (each"
        " row is stamped with its own now(); only record_joinings stamps many at once, one per person)"
    ),
    "incentives.services.x_mark_decision_viewed__mutmut_6": (
        "getattr(request, 'acting_org') without its default: the middleware gives every request an"
        " acting_org, None at least (zhtj/core/middleware.py)"
    ),
    # transfers/services.py: a default no caller leaves to apply.
    "transfers.services.x_start__mutmut_1": (
        "start's destination default '' → 'XXXX': its three callers (start_inbound, start_outbound,"
        " start_by_member) always pass a destination"
    ),
    # orgs/graduation.py: a missing value read as other text that is refused alike, falsy for
    # falsy, an order and a filter the tree and its check constraints already give.
    "orgs.graduation.x_parse_month__mutmut_7": (
        "(raw or '') → (raw or 'XXXX'): four letters fail the year-month format as '' does, and the"
        " message quotes `raw` itself"
    ),
    "orgs.graduation.x_parse_reason__mutmut_3": "(code or '') → (code or 'XXXX'): no reason's code either, the same refusal",
    "orgs.graduation.x_mark_branches__mutmut_10": (
        "order_by without tree_id: the acting org may mark only as a committee (check_may_mark), and a"
        " committee's subtree is one tree of the forest"
    ),
    **{
        f"orgs.graduation.x__record_many__mutmut_{n}": (
            "bulk_create's batch_size (None, left out, 501): only how many INSERTs the same rows take --"
            " a marked selection is one page's ticked boxes, and Django splits by SQLite's own limit"
        )
        for n in (7, 9, 28)
    },
    "orgs.graduation.x_province_of__mutmut_4": (
        "category=LEADERSHIP dropped: only a leadership organ has a leadership_level (check constraint"
        " org_leadership_level_only_for_leadership)"
    ),
    "orgs.graduation.x_apply_correction__mutmut_26": (
        "flagged = unflagged = None instead of 0: both falsy, and each path sets the one it reports"
    ),
    "orgs.graduation.x_apply_correction__mutmut_31": "convert(record=False) → (record=None): both falsy, no audit row",
    "orgs.graduation.x__convert_recorded__mutmut_1": "note's default '' → 'XXXX': its one caller, convert, always passes the note",
    "orgs.graduation.x__convert_recorded__mutmut_14": (
        "the INSERT's column list in capitals: PostgreSQL folds unquoted names to lower case"
    ),
    "orgs.graduation.x__convert_recorded__mutmut_16": "select / from / order by in lower case: SQL keywords are case-blind",
    "orgs.graduation.x_convert__mutmut_29": (
        "the ids path's values_list('pk', flat=True) → values_list(flat=True): without a field, flat"
        " gives each row's first field, the pk"
    ),
    "orgs.graduation.x_convert__mutmut_36": (
        "the ids path's `if ids` → `or True`: an UPDATE of no ids changes no row, the same 0 -- the"
        " condition only saves a query"
    ),
    "orgs.graduation.x_file_correction__mutmut_38": (
        "pending_correction(None): the look-up finds nothing, and the partial unique index then refuses"
        " the second open request the same way (change_review.file: ONE_OPEN, 409)"
    ),
}


def slug(module):
    return module.removesuffix(".py").replace("/", ".")


def prepare(module):
    """The work folder of `module`: links to the sources and tests, and mutmut's configuration."""
    work = WORK / slug(module)
    work.mkdir(parents=True, exist_ok=True)
    for name in [*APPS, *ALSO, "tests"]:
        link = work / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    pytest_args = ["-p", "no:cacheprovider"]
    if os.environ.get("DATABASE_URL"):
        pytest_args.append("--reuse-db")
    base = (ROOT / "pyproject.toml").read_text()
    pytest_section = base[base.index("[tool.pytest.ini_options]") : base.index("[tool.ruff]")]
    config = {
        "source_paths": APPS,
        "only_mutate": [module],
        "also_copy": ALSO,
        "pytest_add_cli_args": pytest_args,
        "pytest_add_cli_args_test_selection": MODULES[module],
        "use_git_change_detection": False,
        # mutmut stops a mutant's tests after (their time + this) x 15 s and counts it killed
        # ("timeout"). With 1 s, a mutant whose fork first makes the fourth test database
        # (test_test_test_test_<db>) was stopped at 16 s while migrating, a kill that says nothing.
        "timeout_constant": 20,
    }
    lines = [f"{key} = {json.dumps(value)}" for key, value in config.items()]
    (work / "pyproject.toml").write_text(pytest_section + "\n[tool.mutmut]\n" + "\n".join(lines) + "\n")
    return work


def inputs_digest(module):
    """What a module's verdicts depend on: the module, its own tests and the shared test helpers."""
    inputs = hashlib.sha256()
    for path in [module, *MODULES[module], *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py"))]:
        if path == module or path in MODULES[module] or path.endswith(("conftest.py", "factories.py", "helpers.py")):
            inputs.update(path.encode() + (ROOT / path).read_bytes())
    return inputs.hexdigest()


def run(module, children, rerun_survivors=False):
    """mutmut over `module`. With `rerun_survivors`, after tests were added: the last run's
    survivors and the mutants it had not reached yet (its kills stand), instead of starting afresh."""
    work = prepare(module)
    mutants = work / "mutants"
    # New or changed tests: start afresh (mutmut would keep its earlier verdicts). Same inputs: an
    # interrupted run goes on where it stopped (mutmut tests only the mutants without a verdict).
    stamp, digest = work / "inputs.sha256", inputs_digest(module)
    # The module itself changed (a rebase): its mutants are other mutants, and mutmut kept
    # testing the old mutated copy, so even a rerun of the survivors starts afresh.
    source, source_digest = work / "module.sha256", hashlib.sha256((ROOT / module).read_bytes()).hexdigest()
    moved = source.exists() and source.read_text() != source_digest
    names = []
    if rerun_survivors and counts(module) and not moved:
        names = counts(module)[3] + counts(module)[4]
    elif moved or not stamp.exists() or stamp.read_text() != digest:
        shutil.rmtree(mutants, ignore_errors=True)
    stamp.write_text(digest)
    source.write_text(source_digest)
    # mutmut copies a file only where none is: drop all but the mutated module and mutmut's own
    # records, so every other file (and every test) is today's. mutmut does not regenerate a kept
    # mutated module whose source changed: a changed module starts afresh (above).
    keep = {module, module + ".meta", module + ".spans", "mutmut-stats.json"}
    if mutants.is_dir():
        for entry in mutants.iterdir():
            if entry.is_dir() and entry.name != module.split("/")[0]:
                shutil.rmtree(entry)
        for path in sorted(mutants.rglob("*"), reverse=True):
            name = path.relative_to(mutants).as_posix()
            if path.is_file() and name not in keep:
                path.unlink()
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", str(children), *names]
    env = dict(os.environ)
    if children > 1:
        # Mutants at once must not share a cache: each test clears it, and sessions live there.
        env.pop("REDIS_URL", None)
    with open(work / "mutmut.log", "w") as log:
        code = subprocess.run(command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT).returncode
    if code != 0:
        print(f"{module}: mutmut failed, see {(work / 'mutmut.log').relative_to(ROOT)}")
    return code


def counts(module):
    """(mutants, killed, equivalent, survivors, not yet run) of the last run of `module`: counts and
    lists of names."""
    from mutmut.stats import status_by_exit_code

    meta = WORK / slug(module) / "mutants" / (module + ".meta")
    if not meta.exists():
        return None
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    unchecked = [name for name, code in exit_codes.items() if code is None]
    killed = [name for name, code in exit_codes.items() if status_by_exit_code[code] in KILLED]
    equivalent = [name for name in exit_codes if name in EQUIVALENT and name not in {*killed, *unchecked}]
    survivors = [name for name in exit_codes if name not in {*killed, *equivalent, *unchecked}]
    return len(exit_codes), len(killed), len(equivalent), survivors, unchecked


def rate(result):
    total, killed, equivalent, _, unchecked = result
    run = total - len(unchecked)
    return (killed + equivalent) / run * 100 if run else 100


def table():
    rows = [
        "| module | mutants | killed | equivalent | survived | kill rate |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for module in MODULES:
        result = counts(module)
        if result is None:
            rows.append(f"| `{module}` | not run | | | | |")
            continue
        total, killed, equivalent, survivors, unchecked = result
        partial = f" ({len(unchecked)} not yet run)" if unchecked else ""
        rows.append(
            f"| `{module}` | {total}{partial} | {killed} | {equivalent} | {len(survivors)} | {rate(result):.0f}% |"
        )
    return "\n".join(rows)


def survivors(module):
    work = WORK / slug(module)
    for name in counts(module)[3]:
        subprocess.run([sys.executable, "-m", "mutmut", "show", name], cwd=work)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("modules", nargs="*", help="rule modules (default: all of MODULES)")
    parser.add_argument("--ci", action="store_true", help="only the small CI_MODULES")
    parser.add_argument("--table", action="store_true", help="print the kill table of the last runs")
    parser.add_argument("--survivors", metavar="MODULE", help="show the surviving mutants of MODULE")
    parser.add_argument(
        "--rerun-survivors",
        action="store_true",
        help="after adding tests: run the last run's survivors again, and the mutants it had not reached",
    )
    args = parser.parse_args()
    if args.table:
        print(table())
        return 0
    if args.survivors:
        survivors(args.survivors)
        return 0
    modules = CI_MODULES if args.ci else args.modules or list(MODULES)
    unknown = [m for m in modules if m not in MODULES]
    if unknown:
        parser.error(f"not a rule module of MODULES: {', '.join(unknown)}")
    children = 1 if os.environ.get("DATABASE_URL") else int(os.environ.get("MUTATION_CHILDREN", 1))
    failed = [m for m in modules if run(m, children, args.rerun_survivors) != 0]
    print(table())
    for module in modules:
        result = counts(module)
        if module not in failed and result and rate(result) < MIN_RATE:
            print(f"{module}: kill rate under {MIN_RATE}%; survivors: tools/mutation.py --survivors {module}")
            failed.append(module)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
