"""The rules of 管理下级组织's row buttons, asked by the template (ORG-09, ORG-13): a button shows
only where the service would accept it. Rows come annotated by `suborgs.with_holdings`, so these
cost no query."""

from django import template

from orgs import suborgs

register = template.Library()


@register.filter
def code_refusal(org):
    return suborgs.code_refusal(org)


@register.filter
def delete_blockers(org):
    return suborgs.delete_blockers(org)
