"""Cross-site request forgery defences (see ``docs/security.md``).

A browser sends some cross-site requests without asking the server first
(a CORS "simple request": a form's POST, or ``fetch`` with a ``text/plain``
body) and attaches the credentials it cached for the site, HTTP basic ones
included. :class:`CrossSiteGuard` refuses everything such a request can
look like:

- ``POST``, ``PUT`` and ``PATCH`` with a body must say
  ``Content-Type: application/json`` (parameters such as
  ``; charset=utf-8`` allowed); anything else gets 415. A browser only
  sends a JSON body cross-site after a CORS pre-flight, which
  ``[cors] allowed_origin`` decides.
- The same methods without a body (a claim, granting network access) get
  415 when they carry a form content type, and 403 when they carry an
  ``Origin`` other than the service's own (or one of
  ``[cors] allowed_origin``).
- ``DELETE`` and the read methods are not affected.

:class:`NoBasicChallenge` drops ``WWW-Authenticate: Basic`` from 401s of
requests that did not send basic credentials, so that a browser never
opens its login dialogue (and then caches the credentials) for the API.
"""

from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

from oslo_config import cfg
from oslo_log import log as logging

from esi_leap.api import errors
from esi_leap.api import host as host_check
from esi_leap.api import limits

LOG = logging.getLogger(__name__)

#: Methods whose body, content type and origin are checked.
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH"})

#: The media type every request body must have.
JSON = "application/json"

#: Content types a browser sends cross-site without a pre-flight.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded",
                        "multipart/form-data", "text/plain"})


def media_type(environ: WSGIEnvironment) -> str:
    """The request's media type, lower case, without parameters."""
    value = str(environ.get("CONTENT_TYPE") or "")
    return value.split(";", 1)[0].strip().lower()


def has_body(environ: WSGIEnvironment) -> bool:
    """Whether the request carries a body (non-zero length or chunked)."""
    try:
        length = limits.content_length(environ)
    except limits.TooBig:
        return True
    return bool(length) or limits.is_chunked(environ)


def allowed_origins(environ: WSGIEnvironment,
                    conf: cfg.ConfigOpts) -> set[str]:
    """The service's own origin and the CORS-allowed ones, normalised."""
    origins = {host_check.own_origin(environ)}
    for origin in conf.cors.allowed_origin or []:
        origins.add(host_check.normalise_origin(origin))
    return origins


class Refused(Exception):
    """The request is refused with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def check(environ: WSGIEnvironment, conf: cfg.ConfigOpts) -> None:
    """:raises Refused: (415 or 403) for a request a cross-site page
    could have forged."""
    if environ.get("REQUEST_METHOD") not in UNSAFE_METHODS:
        return
    kind = media_type(environ)
    if has_body(environ):
        if kind != JSON:
            raise Refused(415, f"A request body must be JSON, sent with "
                               f"'Content-Type: {JSON}'.")
        return
    if kind in FORM_TYPES:
        raise Refused(415, f"Content type {kind} is not accepted; send no "
                           f"body, or a JSON one with 'Content-Type: "
                           f"{JSON}'.")
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None and (host_check.normalise_origin(origin)
                               not in allowed_origins(environ, conf)):
        raise Refused(403, "Cross-origin request refused: the Origin "
                           "header names another site.")


class CrossSiteGuard:
    """WSGI middleware applying :func:`check`."""

    def __init__(self, app: WSGIApplication, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``; ``conf`` gives ``[cors] allowed_origin``."""
        self.app, self.conf = app, conf

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Refuse a forgeable request, or call the app."""
        try:
            check(environ, self.conf)
        except Refused as exc:
            LOG.info("Refused %(method)s request: %(reason)s",
                     {"method": environ.get("REQUEST_METHOD"),
                      "reason": exc.message})
            response: Iterable[bytes] = errors.fault(
                exc.status, exc.message)(environ, start_response)
            return response
        return self.app(environ, start_response)


def sent_basic_credentials(environ: WSGIEnvironment) -> bool:
    """Whether the request has an ``Authorization: Basic`` header."""
    value = str(environ.get("HTTP_AUTHORIZATION", "")).strip().lower()
    return value.startswith("basic ") or value == "basic"


def _is_basic_challenge(name: str, value: str) -> bool:
    return (name.lower() == "www-authenticate"
            and value.strip().lower().startswith("basic"))


class NoBasicChallenge:
    """WSGI middleware removing ``WWW-Authenticate: Basic`` from the
    answers to requests that did not send basic credentials."""

    def __init__(self, app: WSGIApplication) -> None:
        """Wrap ``app``."""
        self.app = app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Call the app, filtering the headers it starts with."""
        if sent_basic_credentials(environ):
            return self.app(environ, start_response)

        def filtered(status: str, headers: list[tuple[str, str]],
                     exc_info: Any = None) -> Any:
            kept = [(n, v) for n, v in headers
                    if not _is_basic_challenge(n, v)]
            return start_response(status, kept, exc_info)

        return self.app(environ, filtered)
