"""Authentication: ``[DEFAULT] auth_strategy`` and its companions."""

import socket
from collections.abc import Sequence

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "auth_strategy", default="keystone",
        choices=[
            ("keystone", "Keystone tokens, checked by keystonemiddleware "
                         "(configure ``[keystone_authtoken]``)."),
            ("http_basic", "HTTP basic authentication against the file named "
                           "by ``http_basic_auth_user_file``, whose entries "
                           "also carry each user's project and roles."),
            ("noauth", "UNSAFE, for development only: the caller's identity "
                       "is read from the X-Project-Id, X-Roles and X-User-Id "
                       "request headers, unchecked. Policy is still "
                       "enforced."),
        ],
        help="How API callers are authenticated."),
    cfg.StrOpt(
        "http_basic_auth_user_file", default="/etc/esi-leap/htpasswd",
        help="Path to the users file for ``auth_strategy = http_basic``. "
             "Each line reads "
             "``user:bcrypt_hash:project_id:project_name:roles`` where roles "
             "are comma-separated (``esi-leap-users add`` writes entries). "
             "With other strategies the file, when present, still names the "
             "projects (ids and names) shown in responses."),
    cfg.StrOpt(
        "host",
        default=socket.gethostname(),
        sample_default="<hostname>",
        help="Name of this host, used to tell managers apart (for example in "
             "notifications' publisher id and in work reservations)."),
]

pecan_opts = [
    cfg.BoolOpt(
        "auth_enable", default=True,
        deprecated_for_removal=True,
        deprecated_reason="Use [DEFAULT] auth_strategy = noauth instead.",
        help="ESI-Leap's switch for authentication. False is read as "
             "``auth_strategy = noauth``; policy is still enforced."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts)
    conf.register_opts(pecan_opts, group="pecan")


def list_opts() -> list[tuple[str | None, Sequence[cfg.Opt]]]:
    return [("DEFAULT", opts), ("pecan", pecan_opts)]
