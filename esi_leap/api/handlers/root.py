"""``/`` and ``/v1``: version documents."""

import webob

from esi_leap.api import request as r

DESCRIPTION = ("ESI Leap is an OpenStack service for leasing baremetal nodes, "
               "designed to run on top of multi-tenant Ironic.")

#: Resources under /v1 this server has, advertised in the /v1 document.
RESOURCES = ("offers", "leases", "nodes", "events", "console_auth_tokens",
             "switches", "ports")


def _version(req: webob.Request) -> dict[str, object]:
    return {"id": "v1",
            "links": [{"href": r.public_url(req) + "/v1", "rel": "self"}],
            "status": "CURRENT", "min_version": "1.0", "version": "1.0"}


def root(req: webob.Request) -> webob.Response:
    """GET /: ESI-Leap's version document."""
    version = _version(req)
    return r.respond({"name": "ESI Leap API", "description": DESCRIPTION,
                      "default_version": version, "versions": [version]})


def v1(req: webob.Request) -> webob.Response:
    """GET /v1: ESI-Leap's 300 answer, plus links to our resources."""
    base = r.public_url(req) + "/v1"
    return r.respond({
        "versions": [{"id": "v1.0", "status": "CURRENT",
                      "links": [{"href": base, "rel": "self"}]}],
        "resources": {name: {"links": [{"href": f"{base}/{name}",
                                        "rel": "self"}]}
                      for name in RESOURCES},
    }, status=300)
