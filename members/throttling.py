"""Login throttling (ROLE-09, SEC-02): django-axes with two limits.

axes counts failures for each combination in AXES_LOCKOUT_PARAMETERS -- here (ID number, address)
and the address alone -- but compares all of them with one AXES_FAILURE_LIMIT. An address needs a
far higher limit than one account: a school's whole network may sit behind one NAT address, while
one address trying one password (the initial one is the ID number's last 8 characters) against
thousands of accounts must be stopped. So this handler measures each combination against its own
limit, and a successful login clears only its own account's count, never the address's (else an
attacker with one account of their own could log in now and then to wipe it).
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


def _failures(attempts):
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LoginThrottle(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None):
        """axes locks when this reaches AXES_FAILURE_LIMIT. The account's failures count as they
        are; the address's are shifted so that reaching LOGIN_IP_FAILURE_LIMIT reaches it too."""
        per_account, per_address = (_failures(a) for a in self.get_user_attempts(request, credentials))
        shift = settings.ZHTJ["LOGIN_IP_FAILURE_LIMIT"] - settings.AXES_FAILURE_LIMIT
        return max(per_account, per_address - shift)

    def reset_user_attempts(self, request, credentials=None):
        """After a successful login: the (ID number, address) failures only."""
        account_attempts = self.filter_user_attempts(request, credentials)[0]
        count, _ = account_attempts.delete()
        return count
