"""pytest fixtures for the switch lab (see :mod:`tests.integration.switchlab`).

Import the fixture into a test module::

    from tests.integration.switchlab.fixtures import switch_lab  # noqa: F401

A module may set ``SWITCH_LAB_QUARANTINE_VLAN`` and ``SWITCH_LAB_NODES``.
Missing prerequisites skip the tests (fail them when ``CI=true``).
"""

import contextlib
from collections.abc import Iterator
from collections.abc import Sequence

import pytest

from tests import helpers
from tests.integration.switchlab.lab import DEFAULT_NODES
from tests.integration.switchlab.lab import QUARANTINE_VLAN
from tests.integration.switchlab.lab import SwitchLab
from tests.integration.switchlab.lab import missing_prerequisites


def require_lab() -> None:
    """Skip (fail in CI) unless this machine can run a lab."""
    missing = missing_prerequisites()
    if missing:
        helpers.skip_or_fail("the switch lab needs " + ", ".join(missing)
                             + " (see tools/install-lab-packages.sh)")


@contextlib.contextmanager
def running_lab(quarantine_vlan: int = QUARANTINE_VLAN,
                nodes: Sequence[str] = DEFAULT_NODES) -> Iterator[SwitchLab]:
    """A started lab with ``nodes`` on the quarantine VLAN; torn down on
    exit, whatever happens."""
    require_lab()
    with SwitchLab(quarantine_vlan=quarantine_vlan) as lab:
        for name in nodes:
            lab.add_node(name)
        yield lab


@pytest.fixture(scope="module")
def switch_lab(request: pytest.FixtureRequest) -> Iterator[SwitchLab]:
    """One lab per test module (``SWITCH_LAB_QUARANTINE_VLAN`` and
    ``SWITCH_LAB_NODES`` module attributes override the defaults)."""
    with running_lab(
            getattr(request.module, "SWITCH_LAB_QUARANTINE_VLAN",
                    QUARANTINE_VLAN),
            getattr(request.module, "SWITCH_LAB_NODES", DEFAULT_NODES)
    ) as lab:
        yield lab
