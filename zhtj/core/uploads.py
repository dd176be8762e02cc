"""Per-view upload limits enforced while the body is parsed (SEC-05).

Middleware reads `request.POST` early (CSRF, the one-time token), so a view can't swap upload
handlers itself. Instead a view declares its limit with `@upload_limit("SETTING_KEY")` (a key
of `settings.ZHTJ`), and `LimitedUploadHandler` -- first in FILE_UPLOAD_HANDLERS -- looks the
limit up from the resolved view. A body announced larger than the limit is refused at its
first file part, before any file data is read; a file that grows past it while streaming is
refused at that chunk. The fields before the file (CSRF, token) are kept, the file is not, and
`request.upload_too_large` tells the view to answer with a clear message.

A refused upload is answered by `refuse_upload`: post/redirect/get, so reloading the page shows
it again instead of posting the file a second time.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpResponseRedirect, QueryDict
from django.urls import Resolver404, resolve

from .middleware import ONCE_FIELD

# Room for the form's other fields and the multipart boundaries around the file.
FORM_OVERHEAD_BYTES = 64 * 1024


def upload_limit(setting_key):
    """Declare the largest file a view accepts, as a key of settings.ZHTJ."""

    def decorate(view):
        view.upload_limit_setting = setting_key
        return view

    return decorate


def limit_for(request):
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return None
    key = getattr(view, "upload_limit_setting", None)
    return settings.ZHTJ[key] if key else None


class LimitedUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = limit_for(self.request)
        self.announced_too_large = self.limit is not None and content_length > self.limit + FORM_OVERHEAD_BYTES
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.announced_too_large:
            self._refuse()

    def receive_data_chunk(self, raw_data, start):
        if self.limit is not None:
            self.received += len(raw_data)
            if self.received > self.limit:
                self._refuse()
        return raw_data

    def file_complete(self, file_size):
        return None

    def _refuse(self):
        self.request.upload_too_large = True
        # Stop here without reading the rest of the body.
        raise StopUpload(connection_reset=True)


# --- post/redirect/get after a refusal -----------------------------------------------------------

KEPT_SESSION_KEY = "refused-upload-form"
GUARD_FIELDS = {"csrfmiddlewaretoken", ONCE_FIELD}


def refuse_upload(request, *reasons, to=None):
    """Answer a refused upload form: each reason becomes an error message, the typed fields (never
    the file, nor the one-time token) are kept for the form's GET page, and the browser is sent
    there with 303 See Other. `to` is that page (default: the URL posted to)."""
    for reason in reasons:
        messages.error(request, reason)
    to = to or request.get_full_path()
    request.session[KEPT_SESSION_KEY] = {
        "path": urlsplit(to).path,
        "data": {key: request.POST.getlist(key) for key in request.POST if key not in GUARD_FIELDS},
    }
    response = HttpResponseRedirect(to)
    response.status_code = 303
    return response


def kept_form(request):
    """The fields typed into the form refused just before, once, on its own GET page; else None."""
    kept = request.session.get(KEPT_SESSION_KEY)
    if not kept or kept["path"] != request.path:
        return None
    del request.session[KEPT_SESSION_KEY]
    data = QueryDict(mutable=True)
    for key, values in kept["data"].items():
        data.setlist(key, values)
    return data
