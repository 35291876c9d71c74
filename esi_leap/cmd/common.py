"""Start-up shared by the console scripts: config, logging, policy."""

from oslo_config import cfg
from oslo_log import log as logging

from esi_leap.common import logsafe
from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)


def has_config(argv: list[str]) -> bool:
    """Whether a configuration file is given or found in oslo.config's
    default places; without one the commands run the embedded default."""
    if any(a.startswith(("--config-file", "--config-dir")) for a in argv):
        return True
    return bool(cfg.find_config_files(project="esi-leap"))


def prepare(argv: list[str], default_config_files: list[str] | None = None,
            description: str | None = None) -> cfg.ConfigOpts:
    """Parse ``argv`` and config files into ``CONF`` and set up logging."""
    logging.register_options(CONF)
    CONF(argv, project="esi-leap", prog=None,
         default_config_files=default_config_files, description=description)
    logging.setup(CONF, "esi-leap")
    # No request value may forge a log line (newlines, escapes...).
    logsafe.install()
    check_networking()
    check_resource_types()
    return CONF


def check_networking() -> None:
    """Refuse to start on malformed ``[networking]`` VLAN options.

    :raises SystemExit: with the option and entry at fault.
    """
    from esi_leap.networking import vlans
    try:
        vlans.pools()
    except ValueError as exc:
        raise SystemExit(f"esi-leap: invalid configuration: {exc}") from None


def check_resource_types() -> None:
    """Refuse to start on ``[api] enabled_resource_types`` naming an
    unknown type or leaving out the default, or on an unsafe dummy node
    directory.

    :raises SystemExit: with the option at fault.
    """
    from esi_leap.drivers import resource_types
    try:
        resource_types.check_config()
    except ValueError as exc:
        raise SystemExit(f"esi-leap: invalid configuration: {exc}") from None
