"""jsonschema for ``POST /v1/audits``."""

from typing import Any

AUDIT_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "switches": {
            "type": "array", "uniqueItems": True, "maxItems": 1000,
            "items": {"type": "string", "minLength": 1, "maxLength": 255},
        },
    },
    "additionalProperties": False,
}
