"""Policy rules, one module per resource; ``list_rules()`` gathers them.

``list_rules`` is the ``oslo.policy.policies`` entry point (``esi-leap``) that
``oslopolicy-sample-generator`` reads.
"""

import itertools

from oslo_policy import policy

from esi_leap.policies import audit
from esi_leap.policies import base
from esi_leap.policies import console
from esi_leap.policies import event
from esi_leap.policies import lease
from esi_leap.policies import network
from esi_leap.policies import node
from esi_leap.policies import offer
from esi_leap.policies import port
from esi_leap.policies import quota
from esi_leap.policies import switch


def list_rules() -> list[policy.RuleDefault]:
    """Return every esi-leap rule, the base rules first."""
    return list(itertools.chain(
        base.list_rules(),
        offer.list_rules(),
        lease.list_rules(),
        node.list_rules(),
        event.list_rules(),
        quota.list_rules(),
        console.list_rules(),
        network.list_rules(),
        switch.list_rules(),
        port.list_rules(),
        audit.list_rules(),
    ))
