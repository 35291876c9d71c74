"""The ``[manager]`` group: the worker that fulfils and ends leases."""

from collections.abc import Sequence

from oslo_config import cfg

GROUP = "manager"

opts = [
    cfg.FloatOpt(
        "reconcile_interval", default=1.0, min=0.1,
        help="Seconds between two runs of the manager's reconciler, which "
             "finds due work (leases to fulfil or end, offers to expire) with "
             "an indexed query. An RPC wake-up from the API runs it sooner."),
    cfg.IntOpt(
        "reservation_timeout", default=300, min=10,
        help="Seconds after which another manager may take over a lease, "
             "network action or audit that a manager reserved and did not "
             "release, even though that manager still sends heartbeats (a "
             "stuck manager). A manager that stops sending heartbeats loses "
             "its reservations sooner, after ``dead_after``."),
    cfg.FloatOpt(
        "heartbeat_interval", default=2.0, min=0.1,
        help="Seconds between two heartbeats of a manager: it records in "
             "the database (table ``managers``) that it is alive. Work it "
             "reserved stays its own only while its heartbeats are "
             "recent."),
    cfg.FloatOpt(
        "dead_after", default=6.0, min=0.5,
        help="Seconds without a heartbeat after which a manager counts as "
             "dead (killed, out of memory, cut off from the database) and "
             "another manager takes over the leases, network actions and "
             "audits it reserved. Must be more than twice "
             "``heartbeat_interval``. A manager that comes back checks that "
             "each reservation is still its own (compare-and-swap) before "
             "it acts on Ironic, a BMC or a switch."),
    cfg.IntOpt(
        "workers", default=4, min=1,
        help="Number of threads a manager uses to act on due leases at "
             "once."),
    cfg.IntOpt(
        "batch_size", default=100, min=1,
        help="Largest number of due leases or offers one reconciler run "
             "picks up per kind of work."),
    cfg.IntOpt(
        "expiry_notice", default=3600, min=0,
        help="Seconds before a lease ends at which the manager records a "
             "``esi_leap.lease.expiry.warning`` event and notification. 0 "
             "disables the warning."),
    cfg.IntOpt(
        "peer_check_interval", default=60, min=0,
        help="Seconds between two checks that the nodes and projects of "
             "open leases still exist (in Ironic and Keystone). A lease "
             "whose node or project is gone ends with status error and an "
             "event that says why. 0 disables the check."),
    cfg.StrOpt(
        "rpc_topic", default="esi_leap.manager",
        help="oslo.messaging topic on which managers listen for wake-ups."),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(opts, group=GROUP)


def list_opts() -> list[tuple[str, Sequence[cfg.Opt]]]:
    return [(GROUP, opts)]
