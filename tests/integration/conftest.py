"""Fixtures for integration tests against real peers.

``cloud`` is one real Keystone 30.0.0 and one real Ironic 39.0.0 for the
whole pytest session (see :mod:`tests.integration.peers`). Tests isolate
themselves by creating their own projects, users and nodes.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import helpers
from tests.integration.peers import cloud as peers_cloud
from tests.integration.peers import processes
from tests.integration.peers import venvs


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[peers_cloud.Cloud]:
    """A running Keystone + Ironic (Ironic with the recommended policy
    overlay); skips (fails in CI) when the peers cannot be installed."""
    try:
        started = peers_cloud.start_cloud(
            tmp_path_factory.mktemp("peers"))
    except venvs.PeerInstallError as exc:
        helpers.skip_or_fail(f"cannot install the test peers: {exc}")
    except processes.StartupError as exc:
        pytest.fail(f"test peers did not start: {exc}")
    try:
        yield started
    finally:
        started.close()
