"""Domain exceptions. They carry no HTTP knowledge.

The tree::

    EsiLeapException
     +-- InvalidInput            bad value in a request (schema, time, filter)
     +-- NotAuthenticated        no or bad credentials
     +-- Forbidden               the caller sees the object but may not do this
     +-- NotFound                missing, or hidden from the caller
     |    +-- OfferNotFound, LeaseNotFound, NodeNotFound,
     |        ProjectNotFound, NetworkNotFound, PortNotFound,
     |        SwitchNotFound, NetworkActionNotFound
     +-- Conflict                the request contradicts the current state
     |    +-- TimeConflict, WrongStatus, QuotaExceeded, AmbiguousName,
     |        VlanPoolExhausted, PortBusy
     +-- PeerUnavailable         Ironic, Keystone or a switch did not answer

:mod:`esi_leap.api.errors` is the one place that maps them to HTTP statuses.
"""

from typing import Any


class EsiLeapException(Exception):
    """Base class; subclasses set ``msg_fmt`` and are built with keywords."""

    msg_fmt = "An unknown error occurred."

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs if kwargs else self.msg_fmt
        self.message = message
        super().__init__(message)


class InvalidInput(EsiLeapException):
    msg_fmt = "Invalid input: %(reason)s"


class InvalidTimeRange(InvalidInput):
    msg_fmt = ("Start time must be strictly less than end time. "
               "Got %(start_time)s, %(end_time)s.")


class NotAuthenticated(EsiLeapException):
    msg_fmt = "Authentication required."


class Forbidden(EsiLeapException):
    msg_fmt = "Access was denied to %(action)s."


class NotFound(EsiLeapException):
    msg_fmt = "%(kind)s %(ident)s not found."


class OfferNotFound(NotFound):
    msg_fmt = "Offer with name or uuid %(ident)s not found."


class LeaseNotFound(NotFound):
    msg_fmt = "Lease with name or uuid %(ident)s not found."


class NodeNotFound(NotFound):
    msg_fmt = "Node %(ident)s of resource type %(resource_type)s not found."


class ProjectNotFound(NotFound):
    msg_fmt = "Project %(ident)s not found."


class NetworkNotFound(NotFound):
    msg_fmt = "Network %(ident)s not found."


class PortNotFound(NotFound):
    msg_fmt = "Port %(ident)s not found."


class SwitchNotFound(NotFound):
    msg_fmt = "Switch %(ident)s not found."


class NetworkActionNotFound(NotFound):
    msg_fmt = "Network action %(ident)s not found."


class AuditNotFound(NotFound):
    msg_fmt = "Audit %(ident)s not found."


class ResourceTypeUnknown(InvalidInput):
    msg_fmt = ("Resource type %(resource_type)s is unknown. Known types: "
               "%(known)s.")


class ResourceTypeDisabled(InvalidInput):
    msg_fmt = ("Resource type %(resource_type)s is not enabled on this "
               "server. Enabled types: %(enabled)s.")


class Conflict(EsiLeapException):
    msg_fmt = "%(reason)s"


class TimeConflict(Conflict):
    msg_fmt = ("Time conflict for %(resource_type)s %(resource_uuid)s: "
               "%(reason)s")


class WrongStatus(Conflict):
    msg_fmt = ("%(kind)s %(uuid)s is %(status)s; this needs one of: "
               "%(expected)s.")


class OfferNoAvailability(Conflict):
    msg_fmt = ("Offer %(uuid)s has no availabilities at given time range "
               "%(start_time)s, %(end_time)s.")


class QuotaExceeded(Conflict):
    msg_fmt = ("Project %(project_id)s already has %(count)d %(kind)s; its "
               "quota is %(limit)d.")


class AmbiguousName(Conflict):
    msg_fmt = ("More than one %(kind)s is named %(name)s; use its uuid "
               "instead.")


class NodeInMaintenance(Conflict):
    msg_fmt = ("Node %(ident)s is in maintenance; it cannot be offered or "
               "leased until it leaves maintenance.")


class VlanPoolExhausted(Conflict):
    msg_fmt = ("No free VLAN is left in the pool of physical network "
               "%(physical_network)s.")


class AuditRunning(Conflict):
    msg_fmt = ("Audit %(audit)s is %(status)s; one audit runs at a time. "
               "Follow it with GET /v1/audits/%(audit)s.")


class PortBusy(Conflict):
    msg_fmt = ("Port %(port)s already has network action %(action)s "
               "pending; wait until it is done or in error.")


class StepPending(EsiLeapException):
    """A release step asked for a change that is still under way."""

    msg_fmt = "%(step)s is still in progress: %(detail)s"


class PeerUnavailable(EsiLeapException):
    msg_fmt = "%(peer)s did not answer: %(reason)s"


class PeerError(PeerUnavailable):
    msg_fmt = "%(peer)s answered with an error: %(reason)s"
