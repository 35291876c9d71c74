"""Values for test_fuzz_openapi.py: each persona's seeded ids and request
fields, and hostile values the fuzzer mixes into generated requests."""

import datetime
from typing import Any

from tests.conftest import LESSEE
from tests.conftest import OTHER

SWITCH = "leaf-1"


def wire_time(days: float) -> str:
    moment = (datetime.datetime.now(datetime.timezone.utc)
              + datetime.timedelta(days=days))
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


# -- what each persona's seeded requests name ---------------------------------

#: persona -> operationId (or "*" for every operation) -> where ("path" or
#: "body") -> field -> value; "{name}" is World.ids[name], "+Nd" a time N
#: days from now. A body lists only the fields it fixes; schemathesis
#: generates the other required ones.
SEEDS: dict[str, dict[str, dict[str, dict[str, str]]]] = {
    "owner": {
        "*": {"path": {
            "offer_ident": "{offer}", "lease_ident": "{lease}",
            "node_ident": "{node1}", "node_uuid_or_name": "{node1}",
            "network_ident": "{net_owner}", "project_ident": OTHER,
            "port_ident": "eth0", "port_uuid": "{port1}",
            "action_uuid": "{action_owner}", "switch_ident": SWITCH,
            "audit_uuid": "{audit}", "finding_uuid": "{finding}"}},
        "create_offer": {"body": {"resource_uuid": "{node1}",
                                  "start_time": "+20d",
                                  "end_time": "+21d"}},
        "claim_offer": {"body": {"start_time": "+1d", "end_time": "+2d"}},
        "create_lease": {"body": {"resource_uuid": "{node1}",
                                  "project_id": LESSEE,
                                  "start_time": "+20d",
                                  "end_time": "+21d"}},
        "update_lease": {"body": {"end_time": "+14d"}},
        "create_token": {"body": {"node_uuid_or_name": "{node1}"}},
        "grant_access": {"path": {"project_ident": LESSEE}},
        "delete_network": {"path": {"network_ident": "{net_spare}"}},
        "attach": {"path": {"port_ident": "eth1"},
                   "body": {"network": "{net_owner}"}},
        "create_network": {"body": {}},
    },
    "lessee": {
        "*": {"path": {
            "offer_ident": "{offer}", "lease_ident": "{held}",
            "node_ident": "{node2}", "node_uuid_or_name": "{node2}",
            "network_ident": "{net_lessee}", "project_ident": OTHER,
            "port_ident": "eth0", "port_uuid": "{port2}",
            "action_uuid": "{action_lessee}", "switch_ident": SWITCH,
            "audit_uuid": "{audit}", "finding_uuid": "{finding}"}},
        "create_offer": {"body": {"resource_uuid": "{node2}",
                                  "start_time": "+6d", "end_time": "+7d"}},
        "claim_offer": {"body": {"start_time": "+1d", "end_time": "+2d"}},
        "create_lease": {"body": {"resource_uuid": "{node2}",
                                  "project_id": OTHER,
                                  "start_time": "+8d", "end_time": "+9d"}},
        "create_token": {"body": {"node_uuid_or_name": "{node2}"}},
        "attach": {"path": {"port_ident": "eth1"},
                   "body": {"network": "{net_lessee}"}},
    },
}
SEEDS["admin"] = {
    "*": {"path": {**SEEDS["owner"]["*"]["path"]}},
    **{op: seed for op, seed in SEEDS["owner"].items() if op != "*"},
    "create_node": {"body": {"owner": OTHER}},
    "update_node": {"body": {"maintenance": "true"}},
    "delete_node": {"path": {"node_ident": "{node3}"}},
    "delete_port": {"path": {"port_uuid": "{spare_port}"}},
    "delete_switch": {"path": {"switch_ident": "leaf-2"}},
    "create_switch": {"body": {"driver": "fake",
                               "physical_network": "physnet1"}},
    "update_switch": {"body": {"device_type": "fake"}},
    "create_port": {"body": {"node": "{node1}", "name": "eth9",
                             "switch": SWITCH, "switch_port": "p5x"}},
}


def resolve(value: str, ids: dict[str, str]) -> Any:
    if value == "true":
        return True
    if value.startswith("+") and value.endswith("d"):
        return wire_time(float(value[1:-1]))
    return value.format(**ids)


def seed_values(persona: str, operation_id: str, ids: dict[str, str]
                ) -> dict[str, dict[str, Any]]:
    """``{"path": {...}, "body": {...}}``: the persona's seeded values for
    the operation."""
    table = SEEDS[persona]
    path = {**table["*"]["path"], **table.get(operation_id, {}).get(
        "path", {})}
    body = table.get(operation_id, {}).get("body", {})
    return {"path": {k: resolve(v, ids) for k, v in path.items()},
            "body": {k: resolve(v, ids) for k, v in body.items()}}


# -- hostile values -----------------------------------------------------------

def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


#: Text no id, name or filter may hold (path and query parameters).
HOSTILE_TEXT: list[Any] = [
    " ", "a\x00b", "\x00", "\n", "x\r\ny", "\t", "\x7f", "\x85",
    "\u2028", "é" * 300, "x" * 5000, "..", "../../etc/passwd", "%00", "%ff",
    "-1", "0", "' OR '1'='1", "{}", "[]", "null", "true", "9" * 40,
    "1e999", "2024-13-45T25:61:61", "0000-00-00T00:00:00",
    "9999-12-31T23:59:59.999999", "\U0001f600",
]
#: For path parameters, without tab, CR and LF: the test transport's
#: ``urlsplit`` deletes them from the URL instead of sending them
#: (test_bad_input.py sends them).
HOSTILE_PATH: list[Any] = [
    v for v in HOSTILE_TEXT if not set(v) & set("\t\r\n")]
#: Values for a JSON body field: all of the above, lone surrogates (JSON
#: can carry them, UTF-8 cannot), deep nesting, odd numbers and types.
HOSTILE_JSON: list[Any] = [
    *HOSTILE_TEXT, "sur\ud800x", "\udfff", {"\ud800": 1}, _nested(40),
    _nested(500), "", 2 ** 70, -2 ** 70, 1e308, -0.0, None, True, [], {},
    ["a", None], {"a": "\x00"},
]
