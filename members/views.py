"""A person's page, 重置密码验证码, and a member's 我的组织 (团员列表 is in views_people.py)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from zhtj.core.access import MEMBER, ORG_ADMIN, access
from zhtj.core.audit import history_of

from .archives import needs_archive
from .models import Person
from .people import deletion_refusal, may_edit, may_open_edit
from .services import issue_reset_code


def _may_issue_reset_code(acting_org, person):
    """ROLE-07: the person's own org admin or that org's direct superior; not further up."""
    return any(acting_org.pk in (org.pk, org.parent_id) for org in person.own_orgs())


def _visible_person(request, pk):
    return get_object_or_404(Person.objects.visible_from(request.acting_org).select_related("branch"), pk=pk)


@access(ORG_ADMIN)
def person_detail(request, pk):
    person = _visible_person(request, pk)
    return render(
        request,
        "members/person_detail.html",
        {
            "person": person,
            "posts": person.cadre_posts.select_related("org").order_by("ended_on", "org__tree_id", "org__lft"),
            "history": history_of(person)[:20],
            "can_reset": _may_issue_reset_code(request.acting_org, person),
            # 编辑 and 删除申请 only where they would be allowed (a grand-parent only views).
            "can_edit": person.is_active and may_open_edit(request.acting_org, person),
            "can_request_deletion": person.is_active
            and person.branch_id is not None
            and may_edit(request.acting_org, person),
            "deletion_refusal": deletion_refusal(person),
            "needs_archive": needs_archive(person),
        },
    )


@require_POST
@access(ORG_ADMIN)
def reset_code(request, pk):
    """生成重置密码验证码 (ROLE-07). Out of scope → 404; a grand-parent → 403."""
    person = _visible_person(request, pk)
    if not _may_issue_reset_code(request.acting_org, person):
        raise PermissionDenied("隔级无法操作：只有本组织或直属上级团组织的管理员可以生成重置密码验证码。")
    code = issue_reset_code(person, by=request.user)
    messages.success(request, f"已为{person.name}生成重置密码验证码。")
    return render(request, "members/reset_code.html", {"person": person, "code": code})


@access(MEMBER)
def my_org(request):
    """我的组织: the member's own branch."""
    branch = request.user.branch
    return render(request, "members/my_org.html", {"branch": branch})
