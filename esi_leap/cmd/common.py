"""Start-up shared by the console scripts: config, logging, policy."""

from oslo_config import cfg
from oslo_log import log as logging

from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)


def prepare(argv: list[str], default_config_files: list[str] | None = None,
            description: str | None = None) -> cfg.ConfigOpts:
    """Parse ``argv`` and config files into ``CONF`` and set up logging."""
    logging.register_options(CONF)
    CONF(argv, project="esi-leap", prog=None,
         default_config_files=default_config_files, description=description)
    logging.setup(CONF, "esi-leap")
    return CONF
