"""JSON shapes of networks, port attachments and network actions."""

from typing import Any

from esi_leap.common import timeutils
from esi_leap.db import models
from esi_leap.db import networks as db_networks

fmt = timeutils.format_time


def network_view(network: models.Network,
                 shows_sharing: bool) -> dict[str, Any]:
    """A network; ``shows_sharing``: the caller may see every project it
    is shared with (its own project and admins), else none."""
    return {
        "uuid": network.uuid,
        "name": network.name,
        "project_id": network.project_id,
        "physical_network": network.physical_network,
        "vlan": network.vlan,
        "shared_with": (db_networks.shared_with(network) if shows_sharing
                        else []),
        "public": network.public,
        "created_at": fmt(network.created_at),
        "updated_at": fmt(network.updated_at),
    }


def attachment_view(attachment: models.PortAttachment) -> dict[str, Any]:
    """One network on a port."""
    return {
        "network_uuid": attachment.network.uuid,
        "network_name": attachment.network.name,
        "vlan": attachment.network.vlan,
        "mode": attachment.mode,
    }


def action_view(action: models.NetworkAction,
                shows_switch: bool) -> dict[str, Any]:
    """A network action; switch names only for admins."""
    return {
        "uuid": action.uuid,
        "kind": action.kind,
        "status": action.status,
        "node_uuid": action.node_uuid,
        "port_uuid": action.port_uuid,
        "switch": action.switch if shows_switch else None,
        "switch_port": action.switch_port if shows_switch else None,
        "network_uuid": action.network_uuid,
        "mode": action.mode,
        "message": action.message,
        "project_id": action.project_id,
        "lease_uuid": action.lease_uuid,
        "attempts": action.attempts,
        "created_at": fmt(action.created_at),
        "updated_at": fmt(action.updated_at),
    }
