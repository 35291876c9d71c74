"""jsonschema for ``POST`` and ``PATCH /v1/switches``.

``password`` and ``secret`` accept anything here: they are checked by
:mod:`esi_leap.networking.switches`, whose messages never repeat the
value (a schema error would quote it).
"""

from typing import Any

STRING_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}

#: Checked in code, so that a bad value never appears in a message.
SECRET: dict[str, Any] = {}

CONNECTION: dict[str, Any] = {
    "type": ["object", "null"],
    "propertyNames": {"minLength": 1, "maxLength": 64},
    "additionalProperties": {"type": "string", "maxLength": 1024},
}

_FIELDS: dict[str, Any] = {
    "driver": {"type": "string", "minLength": 1, "maxLength": 64},
    "device_type": {**STRING_OR_NULL, "maxLength": 64},
    "switch_id": {**STRING_OR_NULL, "maxLength": 17},
    "physical_network": {**STRING_OR_NULL, "minLength": 1,
                         "maxLength": 64},
    "connection": CONNECTION,
    "password": SECRET,
    "secret": SECRET,
    "audit_password": SECRET,
}

SWITCH_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        **_FIELDS,
    },
    "required": ["name"],
    "additionalProperties": False,
}

SWITCH_UPDATE: dict[str, Any] = {
    "type": "object",
    # ``name`` is refused in code, with a message saying why.
    "properties": {"name": {}, **_FIELDS},
    "additionalProperties": False,
    "minProperties": 1,
}
