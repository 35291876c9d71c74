"""jsonschema documents for request bodies."""

from typing import Any

#: A string with a control character (C0, DEL, C1) matches this: ids,
#: names and project ids refuse it (``"not"``), since a name holding one
#: could never be named in a URL (the API refuses control characters
#: there) and would break log lines and switch commands.
CONTROL_CHARACTER: dict[str, Any] = {"pattern": "[\x00-\x1f\x7f-\x9f]"}

NAME: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255,
                        "not": CONTROL_CHARACTER}
TIME: dict[str, Any] = {"type": ["string", "null"]}
PROJECT: dict[str, Any] = {"type": ["string", "null"], "maxLength": 255,
                           "minLength": 1, "not": CONTROL_CHARACTER}
PROPERTIES: dict[str, Any] = {"type": ["object", "null"]}
IDENT: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 255,
                         "not": CONTROL_CHARACTER}
#: A resource type is an entry point name: no spaces or control characters.
#: (A JSON schema ``$`` also matches before a final newline, so the
#: handlers check :data:`RESOURCE_TYPE_CHARS` with ``re.fullmatch`` too.)
RESOURCE_TYPE_CHARS = "[a-z][a-z0-9_]{0,63}"
RESOURCE_TYPE: dict[str, Any] = {"type": "string", "maxLength": 64,
                                 "pattern": f"^{RESOURCE_TYPE_CHARS}$"}

ANY_OBJECT: dict[str, Any] = {"type": "object"}

OFFER_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource_uuid": IDENT, "resource_type": RESOURCE_TYPE, "name": NAME,
        "lessee_id": PROJECT, "start_time": TIME, "end_time": TIME,
        "properties": PROPERTIES,
        # Accepted and ignored, as ESI-Leap does.
        "resource_class": {}, "resource_properties": {},
    },
    "required": ["resource_uuid"],
    "additionalProperties": False,
}

OFFER_CLAIM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": NAME, "start_time": TIME, "end_time": TIME,
        "properties": PROPERTIES,
        "purpose": {"type": ["string", "null"], "maxLength": 255},
    },
    "additionalProperties": False,
}

LEASE_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "resource_uuid": IDENT, "resource_type": RESOURCE_TYPE,
        "project_id": IDENT,
        "name": NAME, "start_time": TIME, "end_time": TIME,
        "properties": PROPERTIES,
        "purpose": {"type": ["string", "null"], "maxLength": 255},
    },
    "required": ["resource_uuid", "project_id"],
    "additionalProperties": False,
}

NODE_CREATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "uuid": {"type": "string", "format": "uuid"}, "name": NAME,
        "resource_class": {"type": ["string", "null"], "maxLength": 255},
        "properties": PROPERTIES, "owner": PROJECT,
        "maintenance": {"type": "boolean"},
    },
    "required": ["owner"],
    "additionalProperties": False,
}

NODE_UPDATE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": NAME,
        "resource_class": {"type": ["string", "null"], "maxLength": 255},
        "properties": PROPERTIES, "owner": PROJECT,
        "maintenance": {"type": "boolean"},
    },
    "additionalProperties": False,
    "minProperties": 1,
}
