"""Policy enforcement: one enforcer per process, two calls for the API.

``authorize`` raises :class:`~esi_leap.common.exception.Forbidden`; ``check``
answers yes or no (for filtering lists, or choosing 404 over 403). Both warn,
once per role per process, when the caller relies on one of ESI-Leap's
deprecated custom roles.
"""

import threading
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging
from oslo_policy import policy as oslo_policy

from esi_leap import policies
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.policies import base

LOG = logging.getLogger(__name__)

_enforcer: oslo_policy.Enforcer | None = None
_lock = threading.Lock()
_warned_roles: set[str] = set()


def init(conf: cfg.ConfigOpts | None = None) -> oslo_policy.Enforcer:
    """Build the process's enforcer from ``conf`` (default ``CONF``).

    ``conf`` must have been parsed (the policy file is looked up through
    its configuration directories). Replaces any enforcer built before.
    """
    global _enforcer
    enforcer = oslo_policy.Enforcer(conf if conf is not None else CONF)
    enforcer.register_defaults(policies.list_rules())
    with _lock:
        _enforcer = enforcer
    return enforcer


def get_enforcer() -> oslo_policy.Enforcer:
    """Return the process's enforcer, built from ``CONF`` on first use.

    This is also the ``oslo.policy.enforcer`` entry point (``esi-leap``)
    that ``oslopolicy-policy-generator`` and friends call.
    """
    with _lock:
        enforcer = _enforcer
    return enforcer if enforcer is not None else init()


def reset() -> None:
    """Forget the enforcer and the warnings already given (for tests)."""
    global _enforcer
    with _lock:
        if _enforcer is not None:
            _enforcer.clear()
        _enforcer = None
        _warned_roles.clear()


def warn_deprecated_roles(roles: Iterable[str]) -> None:
    """Log, once per role per process, each deprecated ESI-Leap role."""
    for role in roles:
        replacement = base.DEPRECATED_ROLES.get(role.lower())
        if replacement is None or role.lower() in _warned_roles:
            continue
        with _lock:
            if role.lower() in _warned_roles:
                continue
            _warned_roles.add(role.lower())
        LOG.warning(
            "The role %(role)s is deprecated and will stop working in a "
            "future release. Grant the Keystone default role "
            "%(replacement)s in the same project instead.",
            {"role": role, "replacement": replacement})


def _clean_target(target: Mapping[str, Any]) -> dict[str, Any]:
    """Drop unset keys: ``project_id:%(node.lessee)s`` must not match a
    caller without a project (or one named "None") when a node has no
    lessee.
    """
    return {key: value for key, value in target.items()
            if value is not None}


def check(context: esi_context.RequestContext, rule: str,
          target: Mapping[str, Any]) -> bool:
    """Tell whether ``context`` may do ``rule`` on ``target``.

    :param context: the caller; its roles are already expanded.
    :param rule: a rule name, e.g. ``esi_leap.policies.lease.GET``.
    :param target: flat keys such as ``lease.owner_id`` (see
        :mod:`esi_leap.policies.base`); keys set to None never match.
    """
    warn_deprecated_roles(context.roles)
    # A plain dict: oslo.policy adds a "system" key, which oslo.context's
    # mapping would report as a deprecated policy value.
    creds = dict(context.to_policy_values())
    allowed = get_enforcer().enforce(rule, _clean_target(target), creds)
    LOG.debug("Policy %(rule)s for project %(project)s: %(result)s",
              {"rule": rule, "project": context.project_id,
               "result": "allowed" if allowed else "denied"})
    return bool(allowed)


def authorize(context: esi_context.RequestContext, rule: str,
              target: Mapping[str, Any]) -> None:
    """Like :func:`check`, but raise when the caller may not.

    :raises esi_leap.common.exception.Forbidden: with ``action=rule``.
    """
    if not check(context, rule, target):
        raise exception.Forbidden(action=rule)
