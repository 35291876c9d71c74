"""Serve the dashboard's static files, without credentials.

Only files directly in the ``static`` directory next to this module whose
extension has a known content type are served; the name is looked up in
that directory's listing, so ``..``, slashes, encoded separators and
hidden files never reach the file system. ``GET`` and ``HEAD`` only.
Answers carry an ``ETag`` and ``Cache-Control: no-cache`` (the browser
revalidates and gets ``304 Not Modified`` while the file is unchanged, so
an upgrade is seen at once), plus headers that keep the page from being
framed or content-sniffed.
"""

import hashlib
from collections.abc import Callable
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import webob

WSGIApp = Callable[..., Iterable[bytes]]

#: Where the dashboard is mounted.
PREFIX = "/dashboard"

#: The directory holding the files.
STATIC_DIR = Path(__file__).resolve().parent / "static"

#: Served extensions and their content types.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}

#: Headers on every answer of the dashboard.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
}

_INDEX = "index.html"


def _plain(status: int, text: str) -> webob.Response:
    response = webob.Response(status=status, body=text.encode(),
                              content_type="text/plain", charset="utf-8")
    return response


class StaticFiles:
    """A WSGI application serving ``directory`` under :data:`PREFIX`."""

    def __init__(self, directory: Path = STATIC_DIR) -> None:
        """Serve the files of ``directory`` (read at each request)."""
        self.directory = directory

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request whose path starts with :data:`PREFIX`."""
        request = webob.Request(environ)
        response = self.respond(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers[name] = value
        result: Iterable[bytes] = response(environ, start_response)
        return result

    def respond(self, request: webob.Request) -> webob.Response:
        """The response to ``request`` (without the security headers)."""
        if request.method not in ("GET", "HEAD"):
            response = _plain(405, "Method not allowed.\n")
            response.headers["Allow"] = "GET, HEAD"
            return response
        rest = request.path_info[len(PREFIX):]
        if rest == "":
            # Relative links in the page need the trailing slash.
            response = webob.Response(status=301)
            response.location = request.script_name + PREFIX + "/"
            return response
        path = self.lookup(rest[1:] or _INDEX)
        if path is None:
            return _plain(404, "Not found.\n")
        return self.file_response(request, path)

    def lookup(self, name: str) -> Path | None:
        """The file called ``name`` in the directory, or None.

        ``name`` must be one of the directory's own entries: no path
        separators, no hidden files, an extension in
        :data:`CONTENT_TYPES`.
        """
        if (not name or name.startswith(".") or "/" in name
                or "\\" in name or "\0" in name):
            return None
        if Path(name).suffix not in CONTENT_TYPES:
            return None
        try:
            entries = {p.name: p for p in self.directory.iterdir()}
        except OSError:
            return None
        path = entries.get(name)
        if path is None or not path.is_file():
            return None
        return path

    @staticmethod
    def file_response(request: webob.Request,
                      path: Path) -> webob.Response:
        """The file's contents, or 304 when the client's copy is current."""
        body = path.read_bytes()
        etag = hashlib.sha256(body).hexdigest()[:32]
        response = webob.Response(status=200, charset=None)
        response.headers["Content-Type"] = CONTENT_TYPES[path.suffix]
        response.etag = etag
        response.cache_control = "no-cache"
        if etag in request.if_none_match:
            response.status = 304
            return response
        response.body = body
        return response


class _Mount:
    """Send :data:`PREFIX` and below to the files, the rest to the API."""

    def __init__(self, files: WSGIApp, rest: WSGIApp) -> None:
        self.files, self.rest = files, rest

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return self.files(environ, start_response)
        return self.rest(environ, start_response)


def mount(app: WSGIApp, directory: Path = STATIC_DIR) -> WSGIApp:
    """Serve the dashboard at :data:`PREFIX` in front of ``app`` (the
    authenticated API), so that its files need no credentials."""
    return _Mount(StaticFiles(directory), app)
