"""One-time form tokens (BEY-06): a token is claimed by inserting its row; a second claim of the
same token (double click, lag, back button, a second gunicorn worker) finds the row and fails.
The database decides, so it holds across processes whatever the cache is."""

import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from .jobs import job
from .models import OnceToken

# What {% form_guard %} issues (uuid4 hex) and what tests use; anything else is not a token of ours.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_token(value):
    return bool(TOKEN_RE.match(value))


def claim(token):
    """True the first time `token` is claimed, False ever after (until the job forgets it)."""
    try:
        with transaction.atomic():
            OnceToken.objects.create(token=token)
    except IntegrityError:
        return False
    return True


@job("expire_once_tokens", "清理过期的防重复提交令牌（BEY-06）")
def expire_once_tokens(moment):
    """Tokens older than ONCE_TOKEN_SECONDS: no form rendered that long ago is still expected to
    be posted. One DELETE; idempotent."""
    cutoff = moment - timedelta(seconds=settings.ZHTJ["ONCE_TOKEN_SECONDS"])
    deleted, _ = OnceToken.objects.filter(used_at__lt=cutoff).delete()
    return {"changed": deleted}
