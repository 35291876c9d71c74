"""jsonschema documents for networks and attachments."""

from typing import Any

from esi_leap.api.schemas import CONTROL_CHARACTER
from esi_leap.api.schemas import IDENT
from esi_leap.api.schemas import PROJECT

NETWORK_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255,
                 "pattern": "^[^/]+$", "not": CONTROL_CHARACTER},
        "physical_network": {"type": "string", "minLength": 1,
                             "maxLength": 64},
        "vlan": {"type": "integer", "minimum": 1, "maximum": 4094},
        "public": {"type": "boolean"},
        "project_id": PROJECT,
    },
    "required": ["name"],
    "additionalProperties": False,
}

ATTACH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "network": IDENT,
        "mode": {"enum": ["native", "tagged"]},
    },
    "required": ["network"],
    "additionalProperties": False,
}
