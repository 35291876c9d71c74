"""OpenStackClient plugin module for esi-leap's networking commands.

OSC loads it from the ``openstack.cli.extension`` entry point ``esi_leap``
and then the commands of the ``openstack.esi_leap.v1`` group. It sits next
to python-esileapclient's ``lease`` plugin (API name ``lease``), which
keeps ``openstack esi offer|lease|node|event|console``; this one adds only
``openstack esi network|switch|port|audit|finding``.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from osc_lib import utils

from esi_leap.osc import client as esi_client

LOG = logging.getLogger(__name__)

DEFAULT_API_VERSION = "1"

# The OSC plugin interface.
API_NAME = "esi_leap"
API_VERSION_OPTION = "os_esi_leap_api_version"
API_VERSIONS = {"1": "esi_leap.osc.client.Client"}


def endpoint_override(instance: Any) -> str | None:
    """The explicit endpoint for service type ``lease``, if any.

    The same lookup as the ESI SDK (``CloudRegion.get_endpoint``):
    ``lease_endpoint_override`` / ``lease_endpoint`` from clouds.yaml or
    the environment, or the ``endpoint`` of the ``none`` auth type. None
    means: ask the auth plugin (the catalog, or ``http_basic``'s endpoint).
    """
    options = getattr(instance, "_cli_options", None)
    getter = getattr(options, "get_endpoint", None)
    if getter is None:
        return None
    value = getter(esi_client.SERVICE_TYPE)
    return str(value) if value else None


def make_client(instance: Any) -> esi_client.Client:
    """Build the client for OSC's ClientManager (``instance``)."""
    endpoint = endpoint_override(instance)
    LOG.debug("esi-leap networking client: endpoint override %s, "
              "interface %s, region %s", endpoint, instance.interface,
              instance.region_name)
    return esi_client.Client(instance.session, endpoint=endpoint,
                             interface=instance.interface,
                             region_name=instance.region_name)


def build_option_parser(parser: argparse.ArgumentParser
                        ) -> argparse.ArgumentParser:
    """Add the ``--os-esi-leap-api-version`` global option."""
    parser.add_argument(
        "--os-esi-leap-api-version",
        metavar="<esi-leap-api-version>",
        default=utils.env("OS_ESI_LEAP_API_VERSION",
                          default=DEFAULT_API_VERSION),
        help=("esi-leap networking API version, default="
              f"{DEFAULT_API_VERSION} (Env: OS_ESI_LEAP_API_VERSION)"),
    )
    return parser
