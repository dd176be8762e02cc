"""Per-view upload limits enforced while the body is parsed (SEC-05).

Middleware reads `request.POST` early (CSRF, the one-time token), so a view can't swap upload
handlers itself. Instead a view declares its limit with `@upload_limit("SETTING_KEY")` (a key
of `settings.ZHTJ`), and `LimitedUploadHandler` -- first in FILE_UPLOAD_HANDLERS -- looks the
limit up from the resolved view. A body announced larger than the limit is refused at its
first file part, before any file data is read; a file that grows past it while streaming is
refused at that chunk. The fields before the file (CSRF, token) are kept, the file is not, and
`request.upload_too_large` tells the view to answer with a clear message.
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.urls import Resolver404, resolve

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
