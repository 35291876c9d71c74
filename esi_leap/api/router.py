"""The route table: path template -> HTTP method -> handler."""

import re
from collections.abc import Mapping

import webob

from esi_leap.api import errors
from esi_leap.api.handlers import attachments
from esi_leap.api.handlers import audits
from esi_leap.api.handlers import console_tokens
from esi_leap.api.handlers import events
from esi_leap.api.handlers import leases
from esi_leap.api.handlers import networks
from esi_leap.api.handlers import nodes
from esi_leap.api.handlers import offers
from esi_leap.api.handlers import openapi
from esi_leap.api.handlers import ports
from esi_leap.api.handlers import root
from esi_leap.api.handlers import switches
from esi_leap.api.request import Handler

ROUTES: Mapping[str, Mapping[str, Handler]] = {
    "/": {"GET": root.root},
    "/v1": {"GET": root.v1},
    "/v1/openapi.json": {"GET": openapi.openapi_document},
    "/v1/offers": {"GET": offers.list_offers, "POST": offers.create_offer},
    "/v1/offers/{offer_ident}": {"GET": offers.show_offer,
                                 "DELETE": offers.delete_offer},
    "/v1/offers/{offer_ident}/claim": {"POST": offers.claim_offer},
    "/v1/leases": {"GET": leases.list_leases, "POST": leases.create_lease},
    "/v1/leases/{lease_ident}": {"GET": leases.show_lease,
                                 "PATCH": leases.update_lease,
                                 "DELETE": leases.delete_lease},
    "/v1/nodes": {"GET": nodes.list_nodes, "POST": nodes.create_node},
    "/v1/nodes/{node_ident}": {"GET": nodes.show_node,
                               "PATCH": nodes.update_node,
                               "DELETE": nodes.delete_node},
    "/v1/events": {"GET": events.list_events},
    "/v1/console_auth_tokens": {"POST": console_tokens.create_token},
    "/v1/console_auth_tokens/{node_uuid_or_name}": {
        "DELETE": console_tokens.delete_tokens},
    "/v1/networks": {"GET": networks.list_networks,
                     "POST": networks.create_network},
    "/v1/networks/{network_ident}": {"GET": networks.show_network,
                                     "DELETE": networks.delete_network},
    "/v1/networks/{network_ident}/access/{project_ident}": {
        "PUT": networks.grant_access, "DELETE": networks.revoke_access},
    "/v1/nodes/{node_ident}/ports/{port_ident}/networks": {
        "GET": attachments.list_port_networks, "POST": attachments.attach},
    "/v1/nodes/{node_ident}/ports/{port_ident}/networks/{network_ident}": {
        "DELETE": attachments.detach},
    "/v1/network_actions": {"GET": attachments.list_actions},
    "/v1/network_actions/{action_uuid}": {"GET": attachments.show_action},
    "/v1/switches": {"GET": switches.list_switches,
                     "POST": switches.create_switch},
    "/v1/switches/{switch_ident}": {"GET": switches.show_switch,
                                    "PATCH": switches.update_switch,
                                    "DELETE": switches.delete_switch},
    "/v1/ports": {"GET": ports.list_ports, "POST": ports.create_port},
    "/v1/ports/{port_uuid}": {"GET": ports.show_port,
                              "DELETE": ports.delete_port},
    "/v1/nodes/{node_ident}/ports": {"GET": ports.list_node_ports},
    "/v1/networks/{network_ident}/verification": {
        "GET": networks.verify_network},
    "/v1/audits": {"GET": audits.list_audits, "POST": audits.create_audit},
    "/v1/audits/{audit_uuid}": {"GET": audits.show_audit},
    "/v1/audits/{audit_uuid}/remediation": {
        "GET": audits.show_remediation, "POST": audits.apply_remediation},
    "/v1/findings": {"GET": audits.list_findings},
    "/v1/findings/{finding_uuid}": {"GET": audits.show_finding},
}


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", template)
    # Odd parts are parameter names, even parts literal text.
    pattern = "".join(f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part)
                      for i, part in enumerate(parts))
    # Matched with fullmatch: "$" would also match before a trailing
    # newline, serving "/v1/nodes/\n" as the node list.
    return re.compile(pattern + "/?")


_COMPILED = [(_compile(t), methods) for t, methods in ROUTES.items()]


class Router:
    """Dispatch a request to its handler; 404 and 405 in ESI-Leap's body."""

    def __call__(self, environ: dict, start_response):  # type: ignore
        req = webob.Request(environ)
        try:
            response = self._dispatch(req)
        except Exception as exc:  # noqa: BLE001 - mapped in one place
            response = errors.from_exception(exc)
        return response(environ, start_response)

    def _dispatch(self, req: webob.Request) -> webob.Response:
        for pattern, methods in _COMPILED:
            match = pattern.fullmatch(req.path_info)
            if match is None:
                continue
            handler = methods.get(req.method)
            if handler is None:
                response = errors.fault(
                    405, f"Method {req.method} is not allowed on "
                         f"{req.path_info}.")
                response.headers["Allow"] = ", ".join(sorted(methods))
                return response
            req.urlvars = match.groupdict()
            return handler(req)
        return errors.fault(404, f"The resource {req.path_info} could not "
                                 "be found.")
