import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhtj.settings")
application = get_wsgi_application()

# SEC-08: gunicorn runs no system checks; a misconfigured production start fails here, loudly.
from zhtj.core.checks import refuse_unsafe_start  # noqa: E402 -- needs the apps loaded above

refuse_unsafe_start()
