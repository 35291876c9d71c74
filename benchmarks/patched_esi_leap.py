#!/usr/bin/env python3
"""``esi-leap`` with candidate performance fixes applied in memory.

For measuring a proposed fix before it lands: ``bench_leasing.py --patches
listrows,lazywake`` runs this instead of ``esi-leap``. Each patch mimics a
change still proposed in ``docs/performance.md``; a patch whose target
already changed says so and is skipped. Patches for fixes that have landed
were removed.

Patches (``ESI_LEAP_BENCH_PATCHES``, comma separated; applied in the order
of :data:`PATCHES` whatever order is given; each function's docstring says
what it changes):

``listrows``
    The rest of the offer-list work: nodes and booked windows in one query
    each, and a fast path for the availability of an unbooked offer.
``lazywake``
    The reconciler sleeps until the next start or end it knows of.
``workers2``
    Two API processes in the embedded default.
``logretries``
    Diagnostics, not a fix.

Only ``bench_leasing.py --patches`` and ``profile_list.py --patches`` use this
file; it is not part of esi-leap.
"""

import inspect
import os
import sys

import sqlalchemy as sa


def _landed(function, marker: str, patch: str) -> bool:  # type: ignore
    """True (and says so) when ``function``'s source shows the fix."""
    if marker in inspect.getsource(function):
        print(f"patch {patch}: already in esi-leap; skipped",
              file=sys.stderr)
        return True
    return False


def patch_listrows() -> None:
    """What is left of "lists from rows" after ``offer_list`` returned Core
    rows: ``get_nodes`` and ``booked_windows`` run one query each (above
    500 uuids, read everything and filter in Python) instead of ``IN``
    chunks of 500, and the view skips ``availabilities()`` for an available
    offer with no booked window, reusing the formatted times."""
    from esi_leap.api import views
    from esi_leap.common import timeutils
    from esi_leap.db import api as db_api
    from esi_leap.db import models
    from esi_leap.db import offers as db_offers
    from esi_leap.drivers.resource_types import standalone_node
    from esi_leap.drivers.resource_types.base import NodeInfo
    from esi_leap.objects import status

    if _landed(standalone_node.StandaloneNodeBackend.get_nodes,
               "sa.select(", "listrows"):
        return
    node = models.Node.__table__.c
    node_columns = [node.uuid, node.name, node.resource_class,
                    node.properties, node.owner_id, node.lessee_id,
                    node.lease_uuid, node.provision_state, node.power_state,
                    node.maintenance]

    def get_nodes(self, uuids):  # type: ignore[no-untyped-def]
        want = set(uuids)
        found = {}
        stmt = sa.select(*node_columns)
        if len(want) <= 500:
            stmt = stmt.where(node.uuid.in_(list(want)))
        with db_api.reader() as session:
            for r in session.execute(stmt):
                if r.uuid in want:
                    found[r.uuid] = NodeInfo(
                        uuid=r.uuid, name=r.name,
                        resource_class=r.resource_class,
                        properties=dict(r.properties or {}),
                        owner_id=r.owner_id, lessee_id=r.lessee_id,
                        lease_uuid=r.lease_uuid,
                        provision_state=r.provision_state,
                        power_state=r.power_state,
                        maintenance=bool(r.maintenance))
        return found

    standalone_node.StandaloneNodeBackend.get_nodes = get_nodes
    lease = models.Lease

    def booked_windows(offer_uuids):  # type: ignore[no-untyped-def]
        uuids = set(offer_uuids)
        result = {}
        if not uuids:
            return result
        stmt = (sa.select(lease.offer_uuid, lease.start_time, lease.end_time)
                .where(lease.status.in_(status.LEASE_BOOKED))
                .order_by(lease.start_time))
        if len(uuids) <= 500:
            stmt = stmt.where(lease.offer_uuid.in_(list(uuids)))
        else:
            stmt = stmt.where(lease.offer_uuid.is_not(None))
        with db_api.reader() as session:
            for offer_uuid, start, end in session.execute(stmt):
                if (offer_uuid in uuids and start is not None
                        and end is not None):
                    result.setdefault(offer_uuid, []).append((start, end))
        return result

    db_offers.booked_windows = booked_windows
    fmt = timeutils.format_time

    def offers_view(offers, known=None, new=False):  # type: ignore
        enricher = views.Enricher(offers, known)
        booked = {} if new else db_offers.booked_windows(
            [o.uuid for o in offers if o.status == status.AVAILABLE])
        now = timeutils.utcnow()
        out = []
        for o in offers:
            fields = enricher.node_fields(o)
            start, end = fmt(o.start_time), fmt(o.end_time)
            if (o.status == status.AVAILABLE and o.uuid not in booked
                    and o.start_time is not None and o.end_time is not None):
                free = ([[start, end]] if o.start_time >= now
                        else [[fmt(now), end]] if now < o.end_time else [])
            else:
                free = views.availabilities(o, booked.get(o.uuid, []), now)
            out.append({
                "name": o.name, "uuid": o.uuid, "project_id": o.project_id,
                "project": enricher.name(o.project_id),
                "lessee_id": o.lessee_id,
                "lessee": enricher.name(o.lessee_id),
                "resource_type": o.resource_type,
                "resource_uuid": o.resource_uuid,
                "resource": fields["resource"],
                "resource_class": fields["resource_class"],
                "resource_properties": fields["resource_properties"],
                "start_time": start, "end_time": end, "status": o.status,
                "properties": o.properties or {}, "availabilities": free,
                "parent_lease_uuid": o.parent_lease_uuid,
            })
        return out

    views.offers_view = offers_view


def patch_workers2() -> None:
    """Two API worker processes in the embedded default (it forces one),
    with the API waking the in-process manager through a pipe, since the
    ``fake://`` transport cannot cross the fork."""
    import fcntl
    import threading

    from esi_leap.cmd import embedded
    from esi_leap.conf import CONF
    from esi_leap.manager import rpcapi
    from esi_leap.manager import service

    read_fd, write_fd = os.pipe()
    flags = fcntl.fcntl(write_fd, fcntl.F_GETFL)
    fcntl.fcntl(write_fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    original_configure = embedded.configure

    def configure(directory: str) -> None:
        original_configure(directory)
        CONF.set_override("api_workers", 2, group="api")

    embedded.configure = configure
    original_wake = rpcapi.wake_manager

    def wake_manager() -> None:
        try:
            os.write(write_fd, b"w")
        except BlockingIOError:
            pass  # a wake-up is already pending
        original_wake()

    rpcapi.wake_manager = wake_manager
    original_start = service.Manager.start

    def start(self) -> None:  # type: ignore[no-untyped-def]
        original_start(self)

        def relay() -> None:
            while True:
                if os.read(read_fd, 4096):
                    self.wake.set()

        threading.Thread(target=relay, daemon=True,
                         name="wake-relay").start()

    service.Manager.start = start


def patch_lazywake() -> None:
    """The reconciler sleeps until the next start or end it knows of, at
    most ``reconcile_interval``, so that a lease claimed for the future is
    fulfilled at its start. (The API side, waking the manager only for
    leases due now, has landed.)"""
    import datetime

    from esi_leap.common import timeutils
    from esi_leap.conf import CONF
    from esi_leap.db import api as db_api
    from esi_leap.db import models
    from esi_leap.manager import service
    from esi_leap.objects import status

    if _landed(service.Manager._loop, "next_due", "lazywake"):
        return
    lease, offer = models.Lease, models.Offer

    def next_due(now: datetime.datetime) -> datetime.datetime | None:
        with db_api.reader() as session:
            times = [
                session.scalar(sa.select(sa.func.min(lease.start_time))
                               .where(lease.status.in_(
                                   (status.CREATED, status.WAIT_FULFILL)),
                                   lease.start_time > now)),
                session.scalar(sa.select(sa.func.min(lease.end_time))
                               .where(lease.status.in_(
                                   (status.CREATED, status.ACTIVE)),
                                   lease.end_time > now)),
                session.scalar(sa.select(sa.func.min(offer.end_time))
                               .where(offer.status.in_(status.OFFER_OPEN),
                                      offer.end_time > now)),
            ]
        known = [t for t in times if t is not None]
        return min(known) if known else None

    def _loop(self) -> None:  # type: ignore[no-untyped-def]
        while not self._stop.is_set():
            self.wake.clear()
            try:
                self.reconcile()
                now = timeutils.utcnow()
                due = next_due(now)
                wait = CONF.manager.reconcile_interval
                if due is not None:
                    wait = max(0.005, min(wait, (due - now).total_seconds()))
            except Exception:  # noqa: BLE001
                service.LOG.exception("Reconciler pass failed; retrying")
                wait = CONF.manager.reconcile_interval
            self.wake.wait(wait)

    service.Manager._loop = _loop


def patch_logretries() -> None:
    """Diagnostics, not a fix: log oslo.db's transaction retries (its
    ``Performing DB retry`` debug line) so that the server log counts them.
    """
    import logging

    from esi_leap.cmd import common
    original = common.prepare

    def prepare(*args, **kwargs):  # type: ignore[no-untyped-def]
        conf = original(*args, **kwargs)
        logging.getLogger("oslo_db.api").setLevel(logging.DEBUG)
        return conf

    common.prepare = prepare


#: Every patch, in the order they are applied (whatever order is asked).
PATCHES = {"workers2": patch_workers2, "lazywake": patch_lazywake,
           "listrows": patch_listrows, "logretries": patch_logretries}

#: Patches removed because their fix landed; asking for one is a no-op.
LANDED = {"pool": "5844714", "sync": "5844714", "schema": "5844714",
          "nodesview": "5844714", "gcfreeze": "5844714",
          "nothreadyield": "5844714", "fewertxn": "84a1c08, b7d33eb",
          "compactjson": "b7d33eb"}


def apply(names: list[str]) -> None:
    """Apply the named patches in :data:`PATCHES` order."""
    for name in names:
        if name in LANDED:
            print(f"patch {name}: landed in {LANDED[name]}; nothing to do",
                  file=sys.stderr)
        elif name not in PATCHES:
            sys.exit(f"unknown patch {name}; known: {', '.join(PATCHES)}")
    for name, patch in PATCHES.items():
        if name in names:
            patch()


def main() -> None:
    wanted = [p for p in os.environ.get("ESI_LEAP_BENCH_PATCHES",
                                        "").split(",") if p]
    apply(wanted)
    print(f"patched esi-leap: {', '.join(wanted) or 'no patches'}",
          file=sys.stderr, flush=True)
    from esi_leap.cmd import all_in_one
    sys.argv = ["esi-leap"]
    all_in_one.main()


if __name__ == "__main__":
    main()
