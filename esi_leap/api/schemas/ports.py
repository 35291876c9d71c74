"""jsonschema for ``POST /v1/ports``."""

from typing import Any

_TEXT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255}

PORT_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "node": _TEXT,
        "name": _TEXT,
        "address": {"type": ["string", "null"], "maxLength": 17},
        "switch": _TEXT,
        "switch_port": _TEXT,
        "physical_network": {"type": ["string", "null"], "minLength": 1,
                             "maxLength": 64},
    },
    "required": ["node", "name", "switch", "switch_port"],
    "additionalProperties": False,
}
