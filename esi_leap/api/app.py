"""Build the WSGI application: middleware around the router.

The list below is ordered from the outside in. Request ids come first so
that every log line and error carries one; oversized requests are refused
before anything reads them (:mod:`esi_leap.api.limits`); 401s lose their
basic challenge unless basic credentials were sent; proxy headers are
applied, then ``[api] public_endpoint`` or a checked ``Host``
(:mod:`esi_leap.api.host`), before anything builds URLs; CORS answers
pre-flight requests before auth; a path or query that is not UTF-8 or holds
a control character is refused before anything decodes it
(:mod:`esi_leap.api.strict_input`); forgeable cross-site requests are
refused (:mod:`esi_leap.api.csrf`); ``/healthcheck`` (oslo.middleware's
health check, an application of its own, with esi-leap's database and
notification backends) needs no credentials.
"""

from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from oslo_config import cfg
from oslo_middleware import cors
from oslo_middleware import http_proxy_to_wsgi
from oslo_middleware import request_id

from esi_leap import dashboard
from esi_leap.api import auth
from esi_leap.api import csrf
from esi_leap.api import healthcheck
from esi_leap.api import host
from esi_leap.api import limits
from esi_leap.api import router
from esi_leap.api import strict_input

WSGIApp = Callable[..., Any]

HEALTHCHECK_PATH = "/healthcheck"


class _PathSplit:
    """Send one path to its own application, the rest to the API."""

    def __init__(self, path: str, special: WSGIApp, rest: WSGIApp) -> None:
        self.path, self.special, self.rest = path, special, rest

    def __call__(self, environ: dict[str, Any],
                 start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == self.path:
            return self.special(environ, start_response)  # type: ignore
        return self.rest(environ, start_response)  # type: ignore


def build_app(conf: cfg.ConfigOpts) -> WSGIApp:
    """The esi-leap API as one WSGI callable."""
    app: WSGIApp = auth.wrap(router.Router(), conf)
    app = _PathSplit(HEALTHCHECK_PATH, healthcheck.build(conf),
                     app)
    app = dashboard.mount(app)
    app = csrf.CrossSiteGuard(app, conf)
    app = strict_input.StrictInput(app)
    app = cors.CORS(app, conf)
    app = host.PublicEndpoint(app, conf)
    app = http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
    app = csrf.NoBasicChallenge(app)
    app = limits.SizeLimits(app, conf)
    app = request_id.RequestId(app)
    return app
