"""Acting as an org's admin in the benchmark and the load test: a logged-in client or request."""

from django.test import Client, RequestFactory

from members.models import CadrePost, Person
from zhtj.core.middleware import SESSION_KEY


class BenchError(Exception):
    pass


def admin_of(org):
    post = CadrePost.objects.admins().filter(org=org, person__is_active=True).select_related("person").first()
    if post is None:
        raise BenchError(f"{org.name}没有管理员，无法以其身份打开页面。")
    if post.person.must_change_password:
        Person.objects.filter(pk=post.person_id).update(must_change_password=False)
    return post.person


def client_for(org):
    client = Client()
    client.force_login(admin_of(org), backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[SESSION_KEY] = org.pk
    session.save()
    return client


def request_for(org, **get):
    """A request as the view sees it (acting org set), for computing our answer untimed."""
    request = RequestFactory().get("/", get)
    request.user = admin_of(org)
    request.acting_org = org
    return request
