"""Refuse requests too big to handle: URL (414), headers (431), body (413).

:class:`SizeLimits` is WSGI middleware, so the limits hold whichever server
runs the application (the embedded waitress, gunicorn, uWSGI). It reads
``[api] max_url_length``, ``max_header_size`` and ``max_request_body_size``
at each request. A body announced with ``Content-Length`` is refused before
a byte of it is read; a chunked body is read up to the limit, then handed
on as an ordinary body of known length.
"""

import io
import json
import urllib.parse
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

from oslo_config import cfg
from oslo_log import log as logging

from esi_leap.api import errors
from esi_leap.common import exception

LOG = logging.getLogger(__name__)

_READ_SIZE = 65536

#: Free-form request fields that are stored and shown to others; their
#: size (compact JSON) is limited by ``[api] max_properties_size``.
FREE_FORM_FIELDS = ("properties",)


class TooBig(Exception):
    """The request is refused with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def url_length(environ: WSGIEnvironment) -> int:
    """The length of the request target as the client sent it."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if raw:
        return len(raw)
    path = urllib.parse.quote(environ.get("SCRIPT_NAME", "")
                              + environ.get("PATH_INFO", ""),
                              safe="/;=,:@!$&'()*+~")
    query = environ.get("QUERY_STRING", "")
    return len(path) + (len(query) + 1 if query else 0)


def header_size(environ: WSGIEnvironment) -> int:
    """Bytes of the request's header fields (``name: value`` and CRLF)."""
    total = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            total += len(key) - 5 + len(str(value)) + 4
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            total += len(key) + len(str(value)) + 4
    return total


def content_length(environ: WSGIEnvironment) -> int | None:
    """The announced body length; None when none was announced.

    :raises TooBig: (400) for a Content-Length that is not a number.
    """
    value = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise TooBig(400, "The Content-Length header is not a number.")
    return int(value)


def is_chunked(environ: WSGIEnvironment) -> bool:
    """Whether the body comes with chunked transfer encoding."""
    encoding = str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()
    return "chunked" in encoding


def buffer_chunked(environ: WSGIEnvironment, limit: int) -> None:
    """Read a chunked body (at most ``limit`` bytes) into memory and
    present it with a Content-Length.

    :raises TooBig: (413) when the body is longer than ``limit``.
    """
    stream = environ["wsgi.input"]
    data = bytearray()
    while len(data) <= limit:
        piece = stream.read(min(_READ_SIZE, limit + 1 - len(data)))
        if not piece:
            break
        data += piece
    if len(data) > limit:
        raise _body_too_big(limit)
    environ["wsgi.input"] = io.BytesIO(bytes(data))
    environ["CONTENT_LENGTH"] = str(len(data))
    environ.pop("HTTP_TRANSFER_ENCODING", None)


def _body_too_big(limit: int) -> TooBig:
    return TooBig(413, f"The request body is larger than the limit of "
                       f"{limit} bytes ([api] max_request_body_size).")


def check(environ: WSGIEnvironment, opts: cfg.ConfigOpts) -> None:
    """Check the request against the ``[api]`` size limits.

    :raises TooBig: with 414, 431, 413 (or 400 for a bad Content-Length).
    """
    if url_length(environ) > opts.max_url_length:
        raise TooBig(414, f"The request URL is longer than the limit of "
                          f"{opts.max_url_length} bytes ([api] "
                          "max_url_length).")
    if header_size(environ) > opts.max_header_size:
        raise TooBig(431, f"The request's header fields are larger than "
                          f"the limit of {opts.max_header_size} bytes "
                          "([api] max_header_size).")
    length = content_length(environ)
    if length is not None and length > opts.max_request_body_size:
        raise _body_too_big(opts.max_request_body_size)
    if length is None and is_chunked(environ):
        buffer_chunked(environ, opts.max_request_body_size)


class SizeLimits:
    """WSGI middleware enforcing :func:`check` before ``app`` sees the
    request."""

    def __init__(self, app: WSGIApplication, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``, reading the limits from ``conf.api``."""
        self.app, self.conf = app, conf

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Answer 413/414/431 for an oversized request, else call app."""
        try:
            check(environ, self.conf.api)
        except TooBig as exc:
            LOG.info("Refused %(method)s request: %(reason)s",
                     {"method": str(environ.get("REQUEST_METHOD"))[:16],
                      "reason": exc.message})
            response: Iterable[bytes] = errors.fault(
                exc.status, exc.message)(environ, start_response)
            return response
        return self.app(environ, start_response)


def check_free_form(body: dict[str, Any], opts: cfg.ConfigOpts) -> None:
    """Check the size of the stored free-form fields of a request body.

    :raises InvalidInput: when one is larger than
        ``[api] max_properties_size`` bytes as compact JSON.
    """
    limit = opts.max_properties_size
    for field in FREE_FORM_FIELDS:
        value = body.get(field)
        if value is None:
            continue
        size = len(json.dumps(value, separators=(",", ":")).encode())
        if size > limit:
            raise exception.InvalidInput(
                reason=f"{field} is {size} bytes as JSON, larger than the "
                       f"limit of {limit} bytes ([api] "
                       "max_properties_size).")
