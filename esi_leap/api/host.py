"""Where the API says it lives: ``[api] public_endpoint`` or a checked
``Host``.

Every URL the API writes (OpenAPI ``servers``, ``next`` links, ``Location``
headers, redirects) is built from the request's scheme and host.
:class:`PublicEndpoint` makes those trustworthy. With ``[api]
public_endpoint`` set it overrides them in the WSGI environment (as
oslo.middleware's proxy-header parsing does with ``X-Forwarded-*``), so
the ``Host`` header the client sent plays no part. Without it the
``Host`` header (after proxy-header parsing, when that is enabled) must be
a syntactically valid ``host[:port]`` and the scheme http or https, or the
request gets 400.
"""

import re
import urllib.parse
from collections.abc import Iterable
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

from oslo_config import cfg

from esi_leap.api import errors

#: A host name or IPv4 address, or a bracketed IPv6 address, then an
#: optional port.
HOST_RE = re.compile(
    r"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})"
    r"|\[[0-9A-Fa-f:.]{2,45}(?:%25[A-Za-z0-9._~-]+)?\])"
    r"(?::[0-9]{1,5})?$")

SCHEMES = ("http", "https")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def valid_host(value: str) -> bool:
    """Whether ``value`` is a well-formed ``host[:port]``."""
    return bool(HOST_RE.match(value)) and ".." not in value


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, default port left out;
    "" for anything that is not an http(s) origin (``null`` included)."""
    try:
        parts = urllib.parse.urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or not parts.hostname:
        return ""
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def own_origin(environ: WSGIEnvironment) -> str:
    """The origin of the service as this request reached it."""
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    host = environ.get("HTTP_HOST")
    if not host:
        host = f"{environ.get('SERVER_NAME', '')}:" \
               f"{environ.get('SERVER_PORT', '')}"
    return normalise_origin(f"{scheme}://{host}")


def apply_endpoint(environ: WSGIEnvironment, endpoint: str) -> None:
    """Make the environment describe ``endpoint`` (scheme, host, path)."""
    parts = urllib.parse.urlsplit(endpoint)
    environ["wsgi.url_scheme"] = parts.scheme.lower()
    environ["HTTP_HOST"] = parts.netloc
    environ["SCRIPT_NAME"] = parts.path.rstrip("/")


def check_request(environ: WSGIEnvironment) -> str | None:
    """Why the request's scheme or ``Host`` is unusable, or None."""
    scheme = str(environ.get("wsgi.url_scheme", "http"))
    if scheme not in SCHEMES:
        return "The request's scheme (X-Forwarded-Proto) is not http or " \
               "https."
    host = environ.get("HTTP_HOST")
    if host is not None and not valid_host(str(host)):
        return "The Host header is not a valid host name and port."
    return None


class PublicEndpoint:
    """WSGI middleware: apply ``[api] public_endpoint`` or check the
    request's host (see the module docstring)."""

    def __init__(self, app: WSGIApplication, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``, reading ``conf.api.public_endpoint`` per request."""
        self.app, self.conf = app, conf

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Fix or check the URL parts of the request, then call app."""
        endpoint = self.conf.api.public_endpoint
        if endpoint:
            apply_endpoint(environ, str(endpoint))
        else:
            problem = check_request(environ)
            if problem is not None:
                response: Iterable[bytes] = errors.fault(400, problem)(
                    environ, start_response)
                return response
        return self.app(environ, start_response)
