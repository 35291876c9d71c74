"""``/v1/openapi.json``: the OpenAPI 3.1 document of this API.

The document is built once from the route table
(:func:`esi_leap.api.openapi.build_document`); each answer names this
server (``[api] public_endpoint`` or the request's host) in ``servers``.
"""

from typing import Any

import webob

from esi_leap.api import openapi
from esi_leap.api import request as r

_document: dict[str, Any] | None = None


def document() -> dict[str, Any]:
    """The document of :data:`esi_leap.api.router.ROUTES`, built once."""
    global _document
    if _document is None:
        # The router imports this module: read its table when first asked.
        from esi_leap.api import router
        _document = openapi.build_document(router.ROUTES)
    return _document


def openapi_document(req: webob.Request) -> webob.Response:
    """GET /v1/openapi.json: this API's OpenAPI 3.1 document."""
    body = {**document(), "servers": [{"url": r.public_url(req)}]}
    return r.respond(body)
