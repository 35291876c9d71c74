"""Authentication: turn the caller's credentials into a request context.

:func:`wrap` puts one of three middlewares in front of the API, chosen by
``[DEFAULT] auth_strategy``:

``keystone``
    keystonemiddleware's ``auth_token`` checks the token (reading
    ``[keystone_authtoken]``), then :class:`KeystoneContextMiddleware` reads
    the identity headers it set.
``http_basic``
    :class:`BasicAuthMiddleware` checks ``Authorization: Basic`` against the
    users file (``http_basic_auth_user_file``).
``noauth``
    :class:`NoAuthMiddleware` believes the ``X-Project-Id``, ``X-Roles`` and
    ``X-User-Id`` headers. Unsafe; for development only.

Each stores an :class:`esi_leap.common.context.RequestContext`, with the
roles Keystone's defaults imply, in ``environ["esi_leap.context"]``. Policy
is enforced in every mode. Only :data:`PUBLIC_PATHS` are served without
credentials. Rejections carry the project's JSON fault body.
"""

import base64
import binascii
from collections.abc import Iterable
from wsgiref.types import StartResponse
from wsgiref.types import WSGIApplication
from wsgiref.types import WSGIEnvironment

import webob
from keystonemiddleware import auth_token
from oslo_config import cfg
from oslo_log import log as logging

from esi_leap.api import errors
from esi_leap.common import context as esi_context
from esi_leap.common import users_file

LOG = logging.getLogger(__name__)

#: The WSGI environment key holding the request context.
CONTEXT_KEY = "esi_leap.context"

#: Paths served without credentials: the version documents, the OpenAPI
#: document and the health check. ``""`` is the root when the API is
#: mounted under a prefix.
PUBLIC_PATHS = frozenset({"", "/", "/v1", "/v1/", "/v1/openapi.json",
                          "/healthcheck"})

#: The realm of HTTP basic authentication.
BASIC_REALM = "esi-leap"

#: Roles that make a system-scoped token acceptable.
_SYSTEM_ADMIN_ROLES = frozenset({"admin", "esi_leap_admin"})

Headers = list[tuple[str, str]]


def fault_response(status: int, message: str,
                   headers: Headers | None = None) -> webob.Response:
    """Return a response with the project's JSON error body."""
    response = errors.fault(status, message)
    for name, value in headers or []:
        response.headers[name] = value
    return response


class Rejected(Exception):
    """The request may not pass; carries the answer to give."""

    def __init__(self, status: int, message: str,
                 headers: Headers | None = None) -> None:
        """Refuse with ``status`` and a fault body saying ``message``."""
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []

    def response(self) -> webob.Response:
        """Return the fault response for this rejection."""
        return fault_response(self.status, self.message, self.headers)


def make_context(environ: WSGIEnvironment, *, project_id: str,
                 roles: Iterable[str], user_id: str | None = None,
                 project_name: str | None = None,
                 user_name: str | None = None
                 ) -> esi_context.RequestContext:
    """Build the request context of a locally authenticated caller."""
    return esi_context.RequestContext(
        user_id=user_id,
        user_name=user_name,
        project_id=project_id,
        project_name=project_name,
        roles=esi_context.expand_roles(list(roles)),
        request_id=environ.get("openstack.request_id"),
        global_request_id=environ.get("openstack.global_request_id"),
    )


def split_roles(value: str | None) -> list[str]:
    """Split a comma-separated roles header."""
    return [r.strip() for r in (value or "").split(",") if r.strip()]


class ContextMiddleware:
    """Base: authenticate the request, store its context, call the app."""

    def __init__(self, app: WSGIApplication) -> None:
        """Wrap ``app``, which receives only authenticated requests."""
        self.app = app

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Answer a rejection, or call the app with the context set."""
        request = webob.Request(environ)
        try:
            context = self.authenticate(request)
        except Rejected as exc:
            LOG.debug("Rejected %(method)s %(path)s: %(reason)s",
                      {"method": request.method, "path": request.path,
                       "reason": exc.message})
            response: Iterable[bytes] = exc.response()(
                environ, start_response)
            return response
        environ[CONTEXT_KEY] = context
        return self.app(environ, start_response)

    def authenticate(self, request: webob.Request
                     ) -> esi_context.RequestContext:
        """Return the caller's context.

        :raises Rejected: the request has no or bad credentials.
        """
        raise NotImplementedError


class NoAuthMiddleware(ContextMiddleware):
    """Believe the identity headers the caller sends. Unsafe."""

    def authenticate(self, request: webob.Request
                     ) -> esi_context.RequestContext:
        """Read the identity headers; X-Project-Id is required."""
        project_id = request.headers.get("X-Project-Id", "").strip()
        if not project_id:
            raise Rejected(
                401, "Authentication required: with auth_strategy = noauth "
                     "every request must name its project in the "
                     "X-Project-Id header.")
        return make_context(
            request.environ, project_id=project_id,
            roles=split_roles(request.headers.get("X-Roles")),
            user_id=request.headers.get("X-User-Id") or None)


class BasicAuthMiddleware(ContextMiddleware):
    """Check HTTP basic credentials against the users file."""

    def __init__(self, app: WSGIApplication,
                 users: users_file.UsersFile) -> None:
        """Wrap ``app``, checking credentials against ``users``."""
        super().__init__(app)
        self.users = users

    def authenticate(self, request: webob.Request
                     ) -> esi_context.RequestContext:
        """Check the basic credentials; the users file gives the
        project and roles.
        """
        name, password = self._credentials(request)
        try:
            user = self.users.authenticate(name, password)
        except users_file.UsersFileError as exc:
            raise Rejected(
                500, "The server's users file is invalid; the server log "
                     "names the problem.") from exc
        if user is None:
            raise self._unauthorized("Invalid user name or password.")
        return make_context(
            request.environ, project_id=user.project_id, roles=user.roles,
            user_id=user.name, user_name=user.name,
            project_name=user.project_name)

    def _credentials(self, request: webob.Request) -> tuple[str, str]:
        header = request.headers.get("Authorization", "")
        scheme, _, encoded = header.strip().partition(" ")
        if not header:
            raise self._unauthorized(
                "Authentication required: send HTTP basic credentials.")
        if scheme.lower() != "basic":
            raise self._unauthorized(
                f"Unsupported authorization scheme {scheme[:20]}; use "
                "HTTP basic authentication.")
        try:
            decoded = base64.b64decode(encoded.strip(),
                                       validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        name, sep, password = decoded.partition(":")
        if not sep or not name:
            raise self._unauthorized(
                "Malformed HTTP basic credentials: expected base64 of "
                "user:password.")
        return name, password

    @staticmethod
    def _unauthorized(message: str) -> Rejected:
        return Rejected(401, message, [
            ("WWW-Authenticate", f'Basic realm="{BASIC_REALM}"')])


class KeystoneContextMiddleware(ContextMiddleware):
    """Read the identity keystonemiddleware's ``auth_token`` confirmed.

    ``auth_token`` runs with ``delay_auth_decision`` so that the rejection
    (and its body) is ours; it adds ``WWW-Authenticate`` to our 401s.
    """

    def authenticate(self, request: webob.Request
                     ) -> esi_context.RequestContext:
        """Read the headers auth_token set; the token must be
        confirmed and project-scoped, or system-scoped with admin.
        """
        environ = request.environ
        if (environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed"
                or environ.get("HTTP_X_SERVICE_IDENTITY_STATUS",
                               "Confirmed") != "Confirmed"):
            raise Rejected(
                401, "Authentication required: send a valid Keystone token "
                     "in the X-Auth-Token header.")
        roles = esi_context.expand_roles(
            split_roles(environ.get("HTTP_X_ROLES")))
        context = esi_context.RequestContext.from_environ(
            environ, roles=roles)
        self._check_scope(context)
        return context

    @staticmethod
    def _check_scope(context: esi_context.RequestContext) -> None:
        if context.system_scope:
            if (context.system_scope == "all"
                    and _SYSTEM_ADMIN_ROLES.intersection(context.roles)):
                return
            raise Rejected(
                403, "System-scoped tokens are accepted only with the admin "
                     "role; use a project-scoped token.")
        if not context.project_id:
            raise Rejected(
                403, "A project-scoped token is needed (or a system-scoped "
                     "token with the admin role).")


class PublicPathsMiddleware:
    """Send :data:`PUBLIC_PATHS` to the app, everything else through auth."""

    def __init__(self, app: WSGIApplication,
                 protected: WSGIApplication) -> None:
        """Route public paths to ``app``, the rest to ``protected``."""
        self.app = app
        self.protected = protected

    def __call__(self, environ: WSGIEnvironment,
                 start_response: StartResponse) -> Iterable[bytes]:
        """Dispatch on the exact path."""
        if environ.get("PATH_INFO", "") in PUBLIC_PATHS:
            return self.app(environ, start_response)
        return self.protected(environ, start_response)


def get_strategy(conf: cfg.ConfigOpts) -> str:
    """Return the auth strategy, reading ``[pecan] auth_enable = False``
    as ``noauth``.
    """
    if not conf.pecan.auth_enable:
        LOG.warning("[pecan] auth_enable = False is deprecated: set "
                    "[DEFAULT] auth_strategy = noauth instead. Using noauth.")
        return "noauth"
    strategy: str = conf.auth_strategy
    return strategy


def _noauth(app: WSGIApplication) -> WSGIApplication:
    LOG.warning("auth_strategy = noauth: UNSAFE. Callers are NOT "
                "authenticated; anyone who can reach this API can act as any "
                "project and role by sending X-Project-Id and X-Roles. Use it "
                "only for development.")
    return NoAuthMiddleware(app)


def _http_basic(app: WSGIApplication,
                conf: cfg.ConfigOpts) -> WSGIApplication:
    users = users_file.UsersFile.load(conf.http_basic_auth_user_file)
    return BasicAuthMiddleware(app, users)


def _keystone(app: WSGIApplication, conf: cfg.ConfigOpts) -> WSGIApplication:
    protected: WSGIApplication = auth_token.AuthProtocol(
        KeystoneContextMiddleware(app),
        {"oslo_config_config": conf, "delay_auth_decision": True})
    return protected


def wrap(app: WSGIApplication, conf: cfg.ConfigOpts) -> WSGIApplication:
    """Put the authentication middleware ``conf`` asks for in front of
    ``app``.

    :raises esi_leap.common.users_file.UsersFileError: with ``http_basic``,
        the users file is missing or malformed.
    :raises ValueError: the strategy is unknown.
    """
    strategy = get_strategy(conf)
    if strategy == "noauth":
        protected = _noauth(app)
    elif strategy == "http_basic":
        protected = _http_basic(app, conf)
    elif strategy == "keystone":
        protected = _keystone(app, conf)
    else:
        raise ValueError(f"Unknown auth_strategy {strategy}")
    LOG.info("API authentication: %s", strategy)
    return PublicPathsMiddleware(app, protected)

