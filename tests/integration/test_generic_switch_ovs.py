"""The generic_switch driver against a real Open vSwitch, over SSH.

Everything goes through the driver; the switch's state is read back with
``ovs-vsctl`` and the data plane is probed with pings and raw (tagged)
frames between network namespaces. Every isolation assertion is paired
with a positive control in the same test.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from esi_leap.drivers.switches import base
from esi_leap.drivers.switches.base import PortChange
from esi_leap.drivers.switches.base import PortState
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchError
from esi_leap.drivers.switches.base import SwitchUnreachable
from esi_leap.drivers.switches.generic_switch import GenericSwitchDriver
from tests.integration.switchlab import SwitchLab
from tests.integration.switchlab.fixtures import switch_lab  # noqa: F401

pytestmark = pytest.mark.integration

SWITCH_LAB_QUARANTINE_VLAN = QUARANTINE = 999
SWITCH_LAB_NODES = ("n1", "n2", "n3", "n4")
VLAN_A, VLAN_B, VLAN_UNUSED = 101, 102, 300
NET_A = "aaaaaaaa-0000-4000-8000-000000000101"
NET_B = "bbbbbbbb-0000-4000-8000-000000000102"


def access(vlan: int) -> PortState:
    return PortState(vlan)


def trunk(native: int, *tagged: int) -> PortState:
    return PortState(native, frozenset(tagged))


def driver(lab: SwitchLab, fast: bool = True,
           **overrides: str) -> GenericSwitchDriver:
    return GenericSwitchDriver(SwitchConfig(
        name="lab-ovs", driver="generic_switch",
        device_type="netmiko_ovs_linux",
        connection=lab.ssh_connection(fast=fast, **overrides)))


def change(lab: SwitchLab, node: str, target: PortState,
           current: PortState | None = None) -> PortChange:
    return PortChange(lab.nodes[node].port, target, current=current,
                      network_ids={VLAN_A: NET_A, VLAN_B: NET_B})


def apply(lab: SwitchLab, *changes: PortChange, fast: bool = True
          ) -> list[SwitchError | None]:
    with driver(lab, fast=fast).session() as session:
        return [error for _, error in base.apply_all(session, list(changes))]


def assert_port(lab: SwitchLab, node: str, target: PortState) -> None:
    """The switch holds exactly ``target`` on the node's port."""
    got = lab.port_state(lab.nodes[node].port)
    assert got.tag == target.native_vlan
    assert not got.carries_all_vlans
    if target.is_trunk:
        assert got.vlan_mode == "native-untagged"
        assert got.trunks == {target.native_vlan, *target.tagged_vlans}
    else:
        assert got.vlan_mode == "access"
        assert got.trunks == frozenset()


def ssh_logins(lab: SwitchLab) -> int:
    assert lab.workdir is not None
    log = lab.workdir / "ssh" / "sshd.log"
    return log.read_text().count("Accepted publickey") if log.exists() else 0


@pytest.fixture(autouse=True)
def quarantined(switch_lab: SwitchLab) -> Iterator[None]:  # noqa: F811
    """Every test starts with all ports on the quarantine VLAN."""
    switch_lab.reset_ports()
    yield


def plug_two_tenants(lab: SwitchLab) -> None:
    """n1, n2 on VLAN A; n3, n4 on VLAN B (one session)."""
    errors = apply(lab, change(lab, "n1", access(VLAN_A)),
                   change(lab, "n2", access(VLAN_A)),
                   change(lab, "n3", access(VLAN_B)),
                   change(lab, "n4", access(VLAN_B)))
    assert errors == [None] * 4


def test_plugged_pairs_reach_each_other_and_only_each_other(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    plug_two_tenants(lab)
    for node, vlan in (("n1", VLAN_A), ("n2", VLAN_A), ("n3", VLAN_B),
                       ("n4", VLAN_B)):
        assert_port(lab, node, access(vlan))
    assert lab.reaches("n1", "n2") and lab.reaches("n3", "n4")
    assert not lab.reaches("n1", "n3")
    assert not lab.reaches("n2", "n4")


def test_batch_of_changes_uses_one_session(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    sessions, logins = GenericSwitchDriver.sessions_opened, ssh_logins(lab)
    plug_two_tenants(lab)
    assert GenericSwitchDriver.sessions_opened == sessions + 1
    assert ssh_logins(lab) == logins + 1    # the switch saw one login


def test_quarantined_port_reaches_nobody_even_with_tagged_frames(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    plug_two_tenants(lab)
    assert lab.reaches("n1", "n2")          # control: n1 is live on A
    assert apply(lab, change(lab, "n1", access(QUARANTINE),
                             current=access(VLAN_A)),
                 change(lab, "n4", trunk(VLAN_B, VLAN_A),
                        current=access(VLAN_B))) == [None, None]

    state = lab.port_state(lab.nodes["n1"].port)
    assert (state.tag, state.vlan_mode) == (QUARANTINE, "access")
    assert_port(lab, "n1", access(QUARANTINE))
    for other in ("n2", "n3", "n4"):
        assert not lab.reaches("n1", other)
    # control: the helper does deliver a frame tagged A, from a trunk port
    # that carries A, to the VLAN-A tenant...
    assert lab.tagged_frame_reaches("n4", VLAN_A, ["n1", "n2", "n3"]) \
        == {"n2"}
    # ...but the same frames from the quarantined port reach no tenant.
    assert lab.tagged_frame_reaches("n1", VLAN_A, ["n2", "n3", "n4"]) \
        == set()
    assert lab.tagged_frame_reaches("n1", VLAN_B, ["n2", "n3", "n4"]) \
        == set()


def test_trunk_with_native_and_tagged_vlans(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    assert apply(lab, change(lab, "n1", access(VLAN_A)),
                 change(lab, "n2", access(VLAN_B)),
                 change(lab, "n3", trunk(VLAN_A, VLAN_B),
                        current=access(QUARANTINE))) == [None] * 3
    assert_port(lab, "n3", trunk(VLAN_A, VLAN_B))

    assert lab.reaches("n3", "n1")          # native VLAN, untagged
    assert not lab.reaches("n3", "n2")      # untagged is not VLAN B
    assert lab.tagged_frame_reaches("n3", None, ["n1", "n2", "n4"]) \
        == {"n1"}
    assert lab.tagged_frame_reaches("n3", VLAN_B, ["n1", "n2", "n4"]) \
        == {"n2"}
    assert lab.tagged_frame_reaches("n3", VLAN_UNUSED, ["n1", "n2", "n4"]) \
        == set()

    # back to quarantine: no trunk VLAN may stay behind
    assert apply(lab, change(lab, "n3", access(QUARANTINE),
                             current=trunk(VLAN_A, VLAN_B))) == [None]
    assert_port(lab, "n3", access(QUARANTINE))
    assert lab.tagged_frame_reaches("n3", VLAN_B, ["n1", "n2", "n4"]) \
        == set()
    assert not lab.reaches("n3", "n1")


def test_ngs_reports_success_for_a_missing_port(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    """Records why the driver reads the output itself: NGS's own
    plug_port_to_network returns normally although ovs-vsctl failed."""
    lab = switch_lab
    device = driver(lab).device()
    output = device.plug_port_to_network("nope0", VLAN_A)
    assert 'no row "nope0" in table Port' in output


@pytest.mark.parametrize("fast", [True, False], ids=["verify", "ngs-mode"])
def test_missing_port_is_refused_and_the_batch_goes_on(
        switch_lab: SwitchLab, fast: bool) -> None:  # noqa: F811
    lab = switch_lab
    errors = apply(lab, PortChange("nope0", access(VLAN_A)),
                   change(lab, "n1", access(VLAN_A)), fast=fast)
    assert isinstance(errors[0], SwitchError)
    assert not isinstance(errors[0], SwitchUnreachable)
    assert 'no row "nope0" in table Port' in str(errors[0])
    assert errors[1] is None
    assert_port(lab, "n1", access(VLAN_A))


def test_stopped_sshd_is_unreachable(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    lab = switch_lab
    lab.stop_sshd()
    try:
        with pytest.raises(SwitchUnreachable, match="lab-ovs"):
            with driver(lab, ngs_ssh_connect_timeout="1").session():
                pass
    finally:
        lab.start_sshd()
    assert apply(lab, change(lab, "n2", access(VLAN_B))) == [None]
    assert_port(lab, "n2", access(VLAN_B))


# -- values outside the allowlist never reach the switch (issue 14) -------


def _every_port(lab: SwitchLab) -> tuple[str, str]:
    """Every port of the bridge and its VLAN and configuration columns,
    as ``ovs-vsctl`` lists them."""
    ports = lab.vsctl("list-ports", lab.bridge)
    listing = lab.vsctl("--format=json", "--columns=name,tag,trunks,"
                        "vlan_mode,other_config,external_ids,interfaces",
                        "list", "port")
    return ports, listing


def test_unsafe_port_names_change_nothing_and_run_nothing(
        switch_lab: SwitchLab) -> None:  # noqa: F811
    """The corpus (the issue's ``p1 tag=100 -- ...; touch /tmp/x #``
    among them, here naming the lab's real ports and a marker file of the
    test's own) is refused before anything is sent: every port of Open
    vSwitch reads back as before and no marker file appears. A safe
    change in the same session does go through."""
    from tests.switch_corpus import unsafe_ports
    lab = switch_lab
    # In /tmp, which whoever the SSH session runs as may write to.
    marker = Path("/tmp") / f"esi-leap-x-{uuid.uuid4().hex}"
    p1, p2 = lab.nodes["n1"].port, lab.nodes["n2"].port
    values = [value for _, value in unsafe_ports(str(marker))] + [
        f"{p1} tag={VLAN_A} -- set port {p2} tag={VLAN_A}; touch {marker} #",
        f"{p1}\ntouch {marker}",
        f"{p1};touch {marker}",
        f"{p1} -- set port {p2} tag={VLAN_A}",
        "Ethernet1/1",  # the default pattern's, not a Linux interface name
    ]
    before = _every_port(lab)
    changes = [PortChange(value, access(VLAN_A)) for value in values]
    changes += [PortChange(value, trunk(VLAN_A, VLAN_B), access(QUARANTINE))
                for value in values[-5:]]
    errors = apply(lab, *changes, change(lab, "n3", access(VLAN_B)))
    assert all(isinstance(e, SwitchError) and "refused before sending"
               in str(e) for e in errors[:-1]), errors
    assert errors[-1] is None
    assert not marker.exists()
    after = _every_port(lab)
    assert after[0] == before[0]
    assert lab.port_tag(lab.nodes["n3"].port) == VLAN_B  # control
    lab.set_port(lab.nodes["n3"].port, QUARANTINE)
    assert _every_port(lab) == before
    for node in ("n1", "n2", "n4"):
        assert_port(lab, node, access(QUARANTINE))
