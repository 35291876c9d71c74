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


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_adapter_conf_options(conf, GROUP)
    conf.set_default("service_type", "identity", group=GROUP)
    conf.set_default("valid_interfaces", ["internal", "public"], group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    ks_opts = (ks_loading.get_session_conf_options()
               + ks_loading.get_auth_common_conf_options()
               + ks_loading.get_auth_plugin_conf_options("password")
               + ks_loading.get_adapter_conf_options(include_deprecated=False))
    return [(GROUP, opts + ks_opts)]
