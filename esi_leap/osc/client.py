"""A small REST client for esi-leap's v1 networking API.

It sends JSON over a keystoneauth1 session (the one OpenStackClient built
from the user's ``OS_*`` settings) and finds esi-leap's endpoint the way
python-esileapclient (the ESI SDK) does: an explicit endpoint override
(``lease_endpoint_override`` in clouds.yaml, or the ``endpoint`` of the
``none`` auth type), otherwise what the auth plugin answers for service
type ``lease`` -- the catalog with Keystone auth, the fixed ``endpoint``
with keystoneauth's ``http_basic`` auth type. Like the SDK it then talks
to ``<endpoint>/v1``.

Exceptions::

    EsiLeapClientError             anything that kept a call from succeeding
     +-- EndpointError             no endpoint found, or the server cannot be
     |                             reached
     +-- ApiError                  the server answered 4xx/5xx; carries the
                                   status code and the server's faultstring
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

from keystoneauth1 import exceptions as ks_exc

#: The service type esi-leap registers in the Keystone catalog.
SERVICE_TYPE = "lease"
API_VERSION = "1"

_VERSION_SUFFIX = re.compile(r"/v\d+$")


class EsiLeapClientError(Exception):
    """A call to esi-leap did not succeed."""


class EndpointError(EsiLeapClientError):
    """esi-leap's endpoint is unknown or cannot be reached."""


class ApiError(EsiLeapClientError):
    """esi-leap answered with an HTTP error status.

    ``status_code`` is the HTTP status, ``faultstring`` the server's
    message (from its ``{"faultcode", "faultstring", "debuginfo"}`` body,
    or the best text available), ``faultcode`` ``Client`` or ``Server``
    when the server said so.
    """

    def __init__(self, status_code: int, faultstring: str,
                 faultcode: str | None = None, method: str = "",
                 url: str = "") -> None:
        super().__init__(f"{faultstring} (HTTP {status_code})")
        self.status_code = status_code
        self.faultstring = faultstring
        self.faultcode = faultcode
        self.method = method
        self.url = url


def versioned_url(endpoint: str) -> str:
    """``endpoint`` with the API version path: ``http://h:7777`` ->
    ``http://h:7777/v1``; an endpoint that already ends in ``/vN`` is
    kept as it is."""
    base = endpoint.rstrip("/")
    if _VERSION_SUFFIX.search(base):
        return base
    return f"{base}/v{API_VERSION}"


def quote(ident: str) -> str:
    """One path segment (a uuid, name or MAC address)."""
    return urllib.parse.quote(str(ident), safe=":")


def fault_from_response(resp: Any) -> tuple[str, str | None]:
    """The server's message and faultcode from an error response.

    Understands esi-leap's fault body, keystonemiddleware's
    ``{"error": {"message": ...}}`` and plain text.
    """
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        if data.get("faultstring"):
            code = data.get("faultcode")
            return str(data["faultstring"]), str(code) if code else None
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"]), None
        if data.get("message"):
            return str(data["message"]), None
    text = (resp.text or "").strip()
    if text and not text.lstrip().startswith("<"):
        first = text.splitlines()[0]
        return first[:300], None
    return str(resp.reason or "HTTP error"), None


class Client:
    """esi-leap's v1 networking API over a keystoneauth1 session.

    :param session: a ``keystoneauth1.session.Session`` with an auth plugin.
    :param endpoint: an explicit endpoint (with or without ``/v1``); when
        None it is asked from the auth plugin for service type ``lease``.
    :param interface: the catalog interface (``public``, ``internal``...).
    :param region_name: the catalog region, if any.
    """

    def __init__(self, session: Any, *, endpoint: str | None = None,
                 interface: str | None = "public",
                 region_name: str | None = None) -> None:
        self.session = session
        self.endpoint = endpoint
        self.interface = interface or "public"
        self.region_name = region_name or None
        self._base_url: str | None = None

    # -- plumbing -----------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``<endpoint>/v1``, resolved on first use."""
        if self._base_url is None:
            endpoint = self.endpoint
            if not endpoint:
                try:
                    endpoint = self.session.get_endpoint(
                        service_type=SERVICE_TYPE, interface=self.interface,
                        region_name=self.region_name, skip_discovery=True)
                except ks_exc.ClientException as err:
                    raise EndpointError(
                        f"Cannot find the esi-leap endpoint (service type "
                        f"'{SERVICE_TYPE}'): {err}") from err
            if not endpoint:
                raise EndpointError(
                    f"No endpoint for service type '{SERVICE_TYPE}' "
                    f"(interface {self.interface}); set OS_ENDPOINT with "
                    "the http_basic auth type or add esi-leap to the "
                    "catalog")
            self._base_url = versioned_url(str(endpoint))
        return self._base_url

    def request(self, method: str, path: str, *,
                params: Mapping[str, Any] | None = None,
                body: Any = None, secret: bool = False) -> Any:
        """Send one request; return the decoded JSON body (None if empty).

        ``path`` starts with ``/`` after ``/v1``. ``params`` with a None
        value are left out. ``secret`` keeps the request and its answer
        out of keystoneauth's debug log (bodies with passwords).

        :raises ApiError: for an HTTP error status.
        :raises EndpointError: when the server cannot be reached.
        """
        url = self.base_url + path
        kwargs: dict[str, Any] = {"headers": {"Accept": "application/json"}}
        if params:
            query = {k: v for k, v in params.items() if v is not None}
            if query:
                kwargs["params"] = query
        if body is not None:
            kwargs["json"] = body
        try:
            resp = self.session.request(url, method, raise_exc=False,
                                        log=not secret, **kwargs)
        except ks_exc.ClientException as err:
            raise EndpointError(
                f"Cannot reach esi-leap at {self.base_url}: {err}") from err
        if resp.status_code >= 400:
            message, code = fault_from_response(resp)
            raise ApiError(resp.status_code, message, code, method, url)
        if resp.status_code == 204 or not resp.content:
            return None
        try:
            return resp.json()
        except ValueError as err:
            raise EsiLeapClientError(
                f"esi-leap answered {method} {url} with a body that is not "
                f"JSON: {resp.text[:200]!r}") from err

    def _list(self, path: str, key: str,
              params: Mapping[str, Any] | None = None
              ) -> list[dict[str, Any]]:
        data = self.request("GET", path, params=params)
        items = data.get(key) if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise EsiLeapClientError(
                f"esi-leap's answer to GET {path} has no '{key}' list: "
                f"{json.dumps(data)[:200]}")
        return items

    def _one(self, method: str, path: str, body: Any = None,
             secret: bool = False) -> dict[str, Any]:
        data = self.request(method, path, body=body, secret=secret)
        if not isinstance(data, dict):
            raise EsiLeapClientError(
                f"esi-leap's answer to {method} {path} is not an object")
        return data

    # -- networks -------------------------------------------------------------

    def list_networks(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /networks`` (filters: project_id, physical_network,
        name)."""
        return self._list("/networks", "networks", filters)

    def get_network(self, ident: str) -> dict[str, Any]:
        return self._one("GET", f"/networks/{quote(ident)}")

    def create_network(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", "/networks", dict(body))

    def delete_network(self, ident: str) -> None:
        self.request("DELETE", f"/networks/{quote(ident)}")

    def grant_network(self, ident: str, project: str) -> None:
        """Share network ``ident`` with ``project``."""
        self.request("PUT", f"/networks/{quote(ident)}/access/"
                            f"{quote(project)}")

    def revoke_network(self, ident: str, project: str) -> None:
        """Stop sharing network ``ident`` with ``project``."""
        self.request("DELETE", f"/networks/{quote(ident)}/access/"
                               f"{quote(project)}")

    # -- attachments and network actions ------------------------------------

    def attach(self, node: str, port: str, network: str,
               mode: str = "native") -> dict[str, Any]:
        """Ask for ``network`` on a node's port; returns the action."""
        return self._one(
            "POST", f"/nodes/{quote(node)}/ports/{quote(port)}/networks",
            {"network": network, "mode": mode})

    def detach(self, node: str, port: str, network: str) -> dict[str, Any]:
        """Ask to remove ``network`` from a node's port; returns the
        action."""
        return self._one(
            "DELETE", f"/nodes/{quote(node)}/ports/{quote(port)}/networks/"
                      f"{quote(network)}")

    def list_actions(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /network_actions`` (filters: node, port, network,
        status)."""
        return self._list("/network_actions", "network_actions", filters)

    def get_action(self, uuid: str) -> dict[str, Any]:
        return self._one("GET", f"/network_actions/{quote(uuid)}")

    # -- switches -------------------------------------------------------------

    def list_switches(self) -> list[dict[str, Any]]:
        return self._list("/switches", "switches")

    def get_switch(self, ident: str) -> dict[str, Any]:
        return self._one("GET", f"/switches/{quote(ident)}")

    def create_switch(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /switches``; the body may hold a password or secret, so
        the request stays out of the debug log."""
        return self._one("POST", "/switches", dict(body), secret=True)

    def update_switch(self, ident: str, changes: Mapping[str, Any]
                      ) -> dict[str, Any]:
        """``PATCH /switches/{ident}`` (kept out of the debug log too)."""
        return self._one("PATCH", f"/switches/{quote(ident)}",
                         dict(changes), secret=True)

    def delete_switch(self, ident: str) -> None:
        self.request("DELETE", f"/switches/{quote(ident)}")

    # -- ports ----------------------------------------------------------------

    def list_ports(self, node: str | None = None) -> list[dict[str, Any]]:
        return self._list("/ports", "ports", {"node": node})

    def get_port(self, uuid: str) -> dict[str, Any]:
        return self._one("GET", f"/ports/{quote(uuid)}")

    def create_port(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", "/ports", dict(body))

    def delete_port(self, uuid: str) -> None:
        self.request("DELETE", f"/ports/{quote(uuid)}")

    # -- audits, findings, verification ---------------------------------------

    def start_audit(self, switches: list[str] | None = None
                    ) -> dict[str, Any]:
        """``POST /audits``; ``switches`` None audits every switch."""
        return self._one("POST", "/audits",
                         {"switches": switches} if switches else {})

    def list_audits(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /audits`` (filters: status, trigger, limit, marker)."""
        return self._list("/audits", "audits", filters)

    def get_audit(self, uuid: str) -> dict[str, Any]:
        return self._one("GET", f"/audits/{quote(uuid)}")

    def get_remediation(self, uuid: str) -> dict[str, Any]:
        """``GET /audits/{uuid}/remediation``: the changes it would make."""
        return self._one("GET", f"/audits/{quote(uuid)}/remediation")

    def remediate(self, uuid: str) -> dict[str, Any]:
        """``POST /audits/{uuid}/remediation``: start the network
        actions."""
        return self._one("POST", f"/audits/{quote(uuid)}/remediation")

    def list_findings(self, **filters: Any) -> list[dict[str, Any]]:
        """``GET /findings`` (filters as the API names them)."""
        return self._list("/findings", "findings", filters)

    def get_finding(self, uuid: str) -> dict[str, Any]:
        return self._one("GET", f"/findings/{quote(uuid)}")

    def get_verification(self, network: str) -> dict[str, Any]:
        """``GET /networks/{network}/verification``."""
        return self._one("GET", f"/networks/{quote(network)}/verification")

    # -- standalone nodes -----------------------------------------------------

    def get_node(self, ident: str) -> dict[str, Any]:
        return self._one("GET", f"/nodes/{quote(ident)}")

    def create_node(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._one("POST", "/nodes", dict(body))

    def update_node(self, ident: str, changes: Mapping[str, Any]
                    ) -> dict[str, Any]:
        return self._one("PATCH", f"/nodes/{quote(ident)}", dict(changes))

    def delete_node(self, ident: str) -> None:
        self.request("DELETE", f"/nodes/{quote(ident)}")
