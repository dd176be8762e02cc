from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

from orgs.models import Organization


@receiver(user_logged_in)
def mark_orgs_logged_in(sender, request, user, **kwargs):
    """是否已登录过系统 (ORG-11): the first time any admin of an org logs in."""
    Organization.objects.filter(
        cadre_posts__person=user,
        cadre_posts__admin_slot__isnull=False,
        cadre_posts__ended_on__isnull=True,
        first_admin_login_at__isnull=True,
    ).update(first_admin_login_at=timezone.now())
