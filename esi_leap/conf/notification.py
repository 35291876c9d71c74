"""The ``[notification]`` group: versioned oslo.messaging notifications."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "notification"

opts = [
    cfg.StrOpt(
        "notification_level",
        choices=["debug", "info", "warning", "error", "critical"],
        help="Lowest level of notification that is sent. Unset means no "
             "notifications are sent. Events are recorded in the events table "
             "(``GET /v1/events``) whatever this says. Where the "
             "notifications go is set in ``[oslo_messaging_notifications]``."),
    cfg.ListOpt(
        "versioned_notifications_topics",
        default=["esi_leap_versioned_notifications"],
        help="Topics on which versioned notifications are sent."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
