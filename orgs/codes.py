"""管理员注册码 (ORG-09, JOB-04): generate, check, consume.

A code is 8 case-sensitive letters and digits, made by `secrets`, valid
ZHTJ["REGISTRATION_CODE_DAYS"] days and usable once. Each org has at most one open
code: a new one supersedes (marks expired) the open old one. Expiry is checked at
use, so a code past its date is refused even before the `expire_codes` job marks it.
Consuming is a conditional UPDATE on a locked row, so two registrations racing
with one code can't both win.
"""

import hmac
import re
import secrets
import string
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhtj.core import audit

from .models import AdminRegistrationCode, Organization

CODE_LENGTH = 8
# Letters and digits that can't be mistaken for each other when read aloud or copied by
# hand (no 0/O/o, 1/l/I). Input is checked against all letters and digits.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0Oo1lI")
CODE_FORMAT = re.compile(rf"[A-Za-z0-9]{{{CODE_LENGTH}}}")

FORMAT = "管理员注册码应为8位数字和字母组合（区分大小写），请核对后重新输入。"
WRONG = "管理员注册码不正确，请核对后重新输入（注册码区分字母大小写）。"
OTHER_ORG = (
    "该管理员注册码不属于所填写的团组织。请填写上级组织下发注册码时提供的组织全称或简称，"
    "并核对注册码是否为本组织的注册码。"
)
USED = "该管理员注册码已被使用。一个注册码仅限一位管理员注册使用，请联系上级团组织管理员生成新的注册码。"
SUPERSEDED = "该管理员注册码已失效：上级团组织已为本组织重新生成了注册码，请使用最新的注册码。"
COLLIDED = "生成管理员注册码失败，请重试。"


def expired_message():
    days = settings.ZHTJ["REGISTRATION_CODE_DAYS"]
    return f"该管理员注册码已过期（有效期为{days}天），请联系上级团组织管理员生成新的注册码。"


class CodeRefused(Exception):
    """The code can't be used; the message says why, in Chinese."""


# --- generating ------------------------------------------------------------------------


def new_code():
    """8 characters from ALPHABET with at least one upper-case letter, one lower-case
    letter and one digit."""
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if any(c.isupper() for c in code) and any(c.islower() for c in code) and any(c.isdigit() for c in code):
            return code


def _expiry(now):
    return now + timedelta(days=settings.ZHTJ["REGISTRATION_CODE_DAYS"])


def _open_codes(orgs):
    return AdminRegistrationCode.objects.filter(org__in=orgs, used_at__isnull=True, expired=False)


def generate(org, by, now=None):
    """A fresh code for `org`; its open old code (if any) stops working."""
    now = now or timezone.now()
    with transaction.atomic():
        # The org row lock serializes two admins generating for one org at once.
        Organization.objects.select_for_update().filter(pk=org.pk).first()
        from .suborgs import code_refusal

        if refusal := code_refusal(org):  # refused now, not at the registration that would use it
            raise CodeRefused(refusal)
        _open_codes([org]).update(expired=True)
        for _ in range(5):  # a collision with a stored code is ~1 in 10^13: retry, don't fail
            try:
                with transaction.atomic():
                    code = AdminRegistrationCode.objects.create(
                        org=org, code=new_code(), created_by=by, created_at=now, expires_at=_expiry(now)
                    )
                break
            except IntegrityError:
                continue
        else:
            raise CodeRefused(COLLIDED)
        audit.record(org, "registration_code_issued", actor=by)
    return code


def generate_for_children(parent, by, now=None):
    """批量生成: fresh codes for every direct sub-org of `parent` that can still take an admin, in a
    constant number of queries. Returns [(org, code)] in the 管理下级组织 order; `full_children`
    lists the others."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = list(Organization.objects.select_for_update().filter(parent=parent).values_list("pk", flat=True))
        children = [c for c in _children_with_holdings(parent, locked) if c.code_refusal is None]
        if not children:
            return []
        _open_codes(children).update(expired=True)
        for _ in range(5):
            fresh = set()
            while len(fresh) < len(children):
                fresh.add(new_code())
            if not AdminRegistrationCode.objects.filter(code__in=fresh).exists():
                break
        else:  # as one at a time: refused, not an IntegrityError at bulk_create
            raise CodeRefused(COLLIDED)
        rows = [
            AdminRegistrationCode(org=org, code=code, created_by=by, created_at=now, expires_at=_expiry(now))
            for org, code in zip(children, sorted(fresh), strict=True)
        ]
        AdminRegistrationCode.objects.bulk_create(rows)
        audit.record(parent, "registration_codes_batch", note=f"为{len(rows)}个直属下级组织生成管理员注册码", actor=by)
    return [(row.org, row) for row in rows]


def _children_with_holdings(parent, pks=None):
    from .suborgs import code_refusal, with_holdings

    queryset = with_holdings(Organization.objects.filter(parent=parent)).order_by("sort_order", "tree_id", "lft")
    children = list(queryset if pks is None else queryset.filter(pk__in=pks))
    for child in children:
        child.code_refusal = code_refusal(child)
    return children


def full_children(parent):
    """ORG-09 / ORG-12: the direct sub-orgs whose admins are full, each with its `code_refusal`."""
    return [c for c in _children_with_holdings(parent) if c.code_refusal]


# --- checking and consuming -----------------------------------------------------------------


def clean_code_text(text):
    """The typed code, surrounding blanks removed, case kept; FORMAT refusal otherwise."""
    text = (text or "").strip()
    if not CODE_FORMAT.fullmatch(text):
        raise CodeRefused(FORMAT)
    return text


def lookup(text, lock=False):
    """The stored code spelled exactly `text` (case-sensitive), else WRONG."""
    text = clean_code_text(text)
    queryset = AdminRegistrationCode.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    code = queryset.filter(code=text).first()
    # The comparison in Python keeps the check case-sensitive whatever the database collation.
    if code is None or not hmac.compare_digest(code.code, text):
        raise CodeRefused(WRONG)
    return code


def refusal(code, now=None):
    """Why `code` can't be used now, or None."""
    now = now or timezone.now()
    if code.used_at is not None:
        return USED
    if code.expires_at <= now:
        return expired_message()
    if code.expired:
        return SUPERSEDED
    return None


def _plain_name(value):
    """Names compare without blanks and with full-width forms folded: （华东） equals (华东)."""
    return "".join(unicodedata.normalize("NFKC", value or "").split())


def names_org(typed, org):
    """Does the typed name state `org` (its 组织简称 or 组织全称)?"""
    typed = _plain_name(typed)
    return bool(typed) and typed in (_plain_name(org.name), _plain_name(org.full_name))


def usable_for(text, org_name, lock=False, now=None):
    """The code spelled `text` if it belongs to the org named `org_name` and is usable now;
    else CodeRefused with the reason (wrong, another org's, used, expired, superseded)."""
    code = lookup(text, lock=lock)
    org = Organization.objects.get(pk=code.org_id)
    if not names_org(org_name, org):
        raise CodeRefused(OTHER_ORG)
    reason = refusal(code, now)
    if reason:
        raise CodeRefused(reason)
    code.org = org
    return code


def consume(code, person, now=None):
    """Mark `code` used by `person`. Call inside the caller's transaction after locking the
    row (`usable_for(..., lock=True)`); the conditional UPDATE is the last guard."""
    now = now or timezone.now()
    done = AdminRegistrationCode.objects.filter(
        pk=code.pk, used_at__isnull=True, expired=False, expires_at__gt=now
    ).update(used_at=now, used_by=person)
    if done != 1:
        raise CodeRefused(USED)
    code.used_at, code.used_by = now, person
    return code
