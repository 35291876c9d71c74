"""Find the offer or lease a request names, as the caller may see it.

An object the caller may not see is reported exactly like one that does not
exist (404), so that nothing leaks about other projects' objects.
"""

from collections.abc import Callable
from typing import TypeVar

from oslo_utils import uuidutils

from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.db import leases as db_leases
from esi_leap.db import models
from esi_leap.db import offers as db_offers
from esi_leap.policies import lease as lease_policy
from esi_leap.policies import offer as offer_policy

T = TypeVar("T", models.Offer, models.Lease)


def caller_projects(ctx: esi_context.RequestContext) -> list[str]:
    """The caller's project and its ancestors (an offer's lessee_id may
    name any of them)."""
    project = ctx.project_id or ""
    return [project] + projects.get_directory().ancestors(project)


def is_offer_admin(ctx: esi_context.RequestContext) -> bool:
    """Whether the caller sees every offer."""
    return policy.check(ctx, offer_policy.OFFER_ADMIN, {})


def is_lease_admin(ctx: esi_context.RequestContext) -> bool:
    """Whether the caller sees every lease."""
    return policy.check(ctx, lease_policy.LEASE_ADMIN, {})


def offer_visible(ctx: esi_context.RequestContext,
                  offer: models.Offer) -> bool:
    """Admins see every offer; others their own and those open to them."""
    if is_offer_admin(ctx):
        return True
    mine = caller_projects(ctx)
    return (offer.project_id == ctx.project_id or offer.lessee_id is None
            or offer.lessee_id in mine)


def lease_visible(ctx: esi_context.RequestContext,
                  lease: models.Lease) -> bool:
    """Admins see every lease; others those they own or hold."""
    return (ctx.project_id in (lease.project_id, lease.owner_id)
            or is_lease_admin(ctx))


def _find(ident: str, by_uuid: Callable[[str], T | None],
          by_name: Callable[[str], list[T]],
          visible: Callable[[T], bool], not_found: exception.NotFound,
          kind: str) -> T:
    found = by_uuid(ident) if uuidutils.is_uuid_like(ident) else None
    if found is not None:
        if not visible(found):
            raise not_found
        return found
    named = [item for item in by_name(ident) if visible(item)]
    if not named:
        raise not_found
    if len(named) > 1:
        raise exception.AmbiguousName(kind=kind, name=ident)
    return named[0]


def find_offer(ctx: esi_context.RequestContext, ident: str) -> models.Offer:
    """The offer named by uuid or name, if the caller may see it.

    :raises OfferNotFound: when there is none the caller may see.
    :raises AmbiguousName: when several visible offers have that name.
    """
    return _find(ident, db_offers.offer_get, db_offers.offers_named,
                 lambda o: offer_visible(ctx, o),
                 exception.OfferNotFound(ident=ident), "offer")


def find_lease(ctx: esi_context.RequestContext, ident: str) -> models.Lease:
    """The lease named by uuid or name, if the caller may see it.

    :raises LeaseNotFound: when there is none the caller may see.
    :raises AmbiguousName: when several visible leases have that name.
    """
    return _find(ident, db_leases.lease_get, db_leases.leases_named,
                 lambda lease: lease_visible(ctx, lease),
                 exception.LeaseNotFound(ident=ident), "lease")


def offer_target(offer: models.Offer) -> dict[str, str]:
    """The policy target of an offer."""
    return {"offer.project_id": offer.project_id,
            "offer.lessee_id": offer.lessee_id or ""}


def lease_target(lease: models.Lease) -> dict[str, str]:
    """The policy target of a lease."""
    return {"lease.owner_id": lease.owner_id,
            "lease.project_id": lease.project_id}
