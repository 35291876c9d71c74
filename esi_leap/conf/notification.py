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
    cfg.IntOpt(
        "queue_size", default=0, min=0,
        help="Most notifications a process keeps waiting to be sent. A "
             "worker thread sends them, so a slow or unreachable broker never "
             "holds up a request or the manager; when the queue is full new "
             "notifications are dropped (the events table still has them), "
             "counted in ``/healthcheck`` and logged once per burst. 0 means "
             "room for two reconciler passes: 40 times ``[manager] "
             "batch_size`` (5 kinds of work of up to 4 notifications each)."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
