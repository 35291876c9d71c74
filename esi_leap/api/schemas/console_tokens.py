"""jsonschema for ``POST /v1/console_auth_tokens``.

ESI-Leap's body is a map of strings; ``token_ttl`` may also be a JSON
integer here. Its range is checked by :func:`esi_leap.console.tokens.parse_ttl`
so that the message can name the configured maximum.
"""

from typing import Any

CONSOLE_TOKEN_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "node_uuid_or_name": {"type": "string", "minLength": 1,
                              "maxLength": 255},
        "token_ttl": {"type": ["string", "integer", "null"]},
    },
    "required": ["node_uuid_or_name"],
    "additionalProperties": False,
}
