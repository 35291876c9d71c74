"""``/v1/switches``: the switches esi-leap configures (admin only).

Switches of ``[switch:NAME]`` sections are listed with ``source:
"config"`` and are read-only; those registered here have ``source:
"api"``. Passwords and secrets are write-only: a view says only whether
the switch has them (``has_password``, ``has_secret``,
``has_audit_password``).
"""

from collections.abc import Callable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

import webob

from esi_leap.api import request as r
from esi_leap.api.schemas import switches as schemas
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import timeutils
from esi_leap.conf.networking import is_secret_option
from esi_leap.db import pagination
from esi_leap.networking import switches
from esi_leap.policies import switch as switch_policy

T = TypeVar("T")

#: Sort keys of the switch list (``id``: by name).
SORT_KEYS: Mapping[str, Callable[[switches.Switch], Any]] = {
    "id": lambda s: s.name, "name": lambda s: s.name,
    "uuid": lambda s: s.uuid, "driver": lambda s: s.driver,
    "source": lambda s: s.source,
}


def page_items(items: Sequence[T], page: pagination.Page,
               sort_keys: Mapping[str, Callable[[T], Any]],
               kind: str) -> list[T]:
    """One page of an in-memory list, as :mod:`esi_leap.db.pagination`
    cuts database lists (sort key and direction, marker uuid, limit).

    :raises InvalidInput: for an unknown sort key or direction, or a
        marker that is not in the list.
    """
    pagination.check_sort(page, sort_keys)
    key = sort_keys[page.sort_key]
    ordered = sorted(items, key=lambda item: _sortable(key(item)),
                     reverse=page.sort_dir == "desc")
    if page.marker is not None:
        uuids = [getattr(item, "uuid", None) for item in ordered]
        if page.marker not in uuids:
            raise exception.InvalidInput(
                reason=f"marker {page.marker} matches no {kind}.")
        ordered = ordered[uuids.index(page.marker) + 1:]
    return ordered if page.limit is None else ordered[:page.limit]


def _sortable(value: Any) -> tuple[Any, ...]:
    """A sort key where missing values come first and never compare
    with strings."""
    if isinstance(value, tuple):
        return tuple(_sortable(v) for v in value)
    return (value is not None, "" if value is None else value)


#: What a secret connection option stored earlier is shown as.
SECRET_MASK = "******"


def switch_view(switch: switches.Switch) -> dict[str, Any]:
    """A switch as the API shows it: never a password or secret."""
    return {
        "uuid": switch.uuid, "name": switch.name, "driver": switch.driver,
        "device_type": switch.device_type, "switch_id": switch.switch_id,
        "physical_network": switch.physical_network,
        # Secret options are refused on input; one stored before that
        # rule is masked.
        "connection": {k: (SECRET_MASK if is_secret_option(k) else v)
                       for k, v in switch.connection.items()},
        "has_password": switch.has_password,
        "has_secret": switch.has_secret,
        "has_audit_password": switch.has_audit_password,
        "source": switch.source,
        "created_at": timeutils.format_time(switch.created_at),
        "updated_at": timeutils.format_time(switch.updated_at),
    }


def list_switches(req: webob.Request) -> webob.Response:
    """GET /v1/switches"""
    ctx = r.context_of(req)
    policy.authorize(ctx, switch_policy.LIST, {})
    params = r.query(req, r.PAGING_PARAMS)
    page = r.page_param(params)
    found = page_items(switches.list_switches(), page, SORT_KEYS, "switch")
    return r.respond_list(req, "switches", [switch_view(s) for s in found],
                          found, page)


def show_switch(req: webob.Request) -> webob.Response:
    """GET /v1/switches/{switch_ident}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, switch_policy.GET, {})
    return r.respond(switch_view(switches.get(req.urlvars["switch_ident"])))


def create_switch(req: webob.Request) -> webob.Response:
    """POST /v1/switches"""
    ctx = r.context_of(req)
    policy.authorize(ctx, switch_policy.CREATE, {})
    body = r.json_body(req, schemas.SWITCH_CREATE)
    return r.respond(switch_view(switches.create(body)), status=201)


def update_switch(req: webob.Request) -> webob.Response:
    """PATCH /v1/switches/{switch_ident}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, switch_policy.UPDATE, {})
    ident = req.urlvars["switch_ident"]
    switch = switches.get(ident)
    switches.check_writable(switch)
    body = r.json_body(req, schemas.SWITCH_UPDATE)
    return r.respond(switch_view(switches.update(switch.uuid, body)))


def delete_switch(req: webob.Request) -> webob.Response:
    """DELETE /v1/switches/{switch_ident}"""
    ctx = r.context_of(req)
    policy.authorize(ctx, switch_policy.DELETE, {})
    switches.delete(req.urlvars["switch_ident"])
    return r.respond(None, status=204)
