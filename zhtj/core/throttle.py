"""Per-address throttling of public forms (REG-01): at most `limit` posts from one client address
per `window` seconds, counted in the shared cache (Redis in production, so every web process
counts together). The address is REMOTE_ADDR: behind a proxy, the WSGI server must put the
client's address there (e.g. gunicorn's --forwarded-allow-ips), as for the login throttle."""

from django.core.cache import cache


def client_address(request):
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def hit(request, scope, *, limit, window):
    """Count one attempt; True while the address has made at most `limit` in the window."""
    key = f"throttle:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=window):
        return limit >= 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=window)
        count = 1
    return count <= limit
