"""Post a multipart body through the whole middleware stack with a counting input stream, to prove an
oversized upload is refused before the server reads it (SEC-05)."""

import io

from django.conf import settings
from django.test.client import ClientHandler

CSRF_SECRET = "a" * 32  # an unmasked 32-character token is accepted as cookie and field alike


class CountingInput(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        data = super().read(size)
        self.consumed += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.consumed += len(data)
        return data


def post_file_streamed(client, path, *, filename, file_bytes, fields=()):
    """POST `fields` then one file as multipart to `path`, with the session of the logged-in test
    `client`. Returns (the response, bytes of the request body the server read)."""
    boundary = "ZhtjBoundary"
    parts = [("csrfmiddlewaretoken", CSRF_SECRET), *fields]
    head = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in parts)
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    )
    body = head.encode() + file_bytes + f"\r\n--{boundary}--\r\n".encode()
    stream = CountingInput(body)
    cookies = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
    cookies += f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_COOKIE": cookies,
        "HTTP_HOST": "testserver",
        "HTTP_REFERER": f"http://testserver{path}",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": stream,
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    # The test client's handler (every middleware, CSRF enforced), which leaves the test's database
    # connection open where a plain WSGIHandler would close it at the end of the request.
    response = ClientHandler(enforce_csrf_checks=True)(environ)
    return response, stream.consumed


def refused_page(client, response):
    """Post/redirect/get after a refused upload: the answer is a 303 to a GET page, which the browser
    then loads (200, never re-posting the file). Returns that page's HTML, where the reasons show."""
    assert response.status_code == 303, response.status_code
    page = client.get(response["Location"])
    assert page.status_code == 200, page.status_code
    return page.content.decode()
