"""Shortcuts the rectification tests share: acting as a branch or its superior."""

from rectification.models import CampaignRecord

from .conftest import form_data

FILL = "/rectification/self-check/fill/"


def as_branch(login, camp, i):
    return login(camp.branch_admins[i], camp.branches[i])


def as_committee(login, camp):
    return login(camp.admin, camp.committee)


def submit(client, poor, month="2026-10"):
    return client.post(FILL, form_data(poor, month))


def state(branch, year=2026):
    return CampaignRecord.objects.filter(branch=branch, year=year).values_list("state", flat=True).first()


def review(client, branch, action, note=""):
    return client.post(f"/rectification/review/{branch.pk}/", {"action": action, "note": note})
