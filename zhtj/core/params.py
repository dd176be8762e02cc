"""Values a view reads by hand from the query string or a form (SEC-06). A malformed one is
treated as absent (or answered 404/400 by the caller); it never reaches int() or the database
as is, so it can't be a 500."""

from urllib.parse import urlsplit

from django.utils.http import url_has_allowed_host_and_scheme

MAX_ID_DIGITS = 12  # any id of this schema (BigAutoField) and far beyond


def parse_pk(raw):
    """An id written as plain ASCII digits, else None. str.isdigit alone is not enough: '²' and
    '１' are digits to it but not to int(); a hundred digits overflow the database's integer."""
    raw = str(raw or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= MAX_ID_DIGITS:
        return int(raw)
    return None


def pk_list(values, limit=1000):
    """The well-formed ids of a ticked list (others dropped), at most `limit`."""
    return [pk for pk in map(parse_pk, values) if pk is not None][:limit]


def plain_text(raw, max_length=50):
    """Text read by hand (a search box, a short reason): trimmed, shortened, without NUL
    characters (PostgreSQL refuses them; Django's form fields refuse them already)."""
    return str(raw or "").replace("\x00", "").strip()[:max_length]


def fitting(text, limit, label, error):
    """Text the user typed for a column of `limit` characters, trimmed: a longer one is refused
    with the limit (raises `error`, the caller's 4xx exception), never cut short without a
    word, never a database error."""
    text = str(text or "").strip()
    if len(text) > limit:
        raise error(f"{label}不能超过{limit}字，当前为{len(text)}字。")
    return text


def local_url(request, raw, default):
    """Where to send the user back to (a form's `next`, the Referer): a page of this site, written
    as a path or as a URL on this host; else `default`. Another host is refused (an open redirect),
    and so is a bare word such as "abc": redirect() would take it for a view name and fail."""
    raw = str(raw or "")
    allowed = url_has_allowed_host_and_scheme(raw, {request.get_host()}, require_https=request.is_secure())
    return raw if allowed and urlsplit(raw).path.startswith("/") else default
