"""Keystone: token checking and the service user for project look-ups."""

from collections.abc import Sequence

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = "keystone"

opts = [
    cfg.IntOpt(
        "project_cache_ttl", default=300, min=0,
        help="Seconds a project id/name pair read from Keystone is cached. "
             "0 disables the cache."),
]


def register_service_user(conf: cfg.ConfigOpts, group: str,
                          service_type: str) -> None:
    """Register keystoneauth's session, auth and adapter options in
    ``group``: the service user and endpoint esi-leap uses for a peer."""
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)
    ks_loading.register_adapter_conf_options(conf, group)
    conf.set_default("service_type", service_type, group=group)
    conf.set_default("valid_interfaces", ["internal", "public"], group=group)


def service_user_opts() -> list[cfg.Opt]:
    """The options :func:`register_service_user` registers, for the sample
    (with the password auth plugin's)."""
    return (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options("password")
            + ks_loading.get_adapter_conf_options(include_deprecated=False))


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)
    register_service_user(conf, GROUP, "identity")


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts + service_user_opts())]
