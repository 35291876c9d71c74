"""A real switch for tests: a private Open vSwitch driven over SSH.

A lab is one ``ovsdb-server`` + ``ovs-vswitchd`` (userspace datapath, no
kernel module; private run/db/log directories under a temporary directory;
vswitchd in its own network namespace ``<prefix>-sw``), one bridge
(``br-lab``, ``datapath_type=netdev``), a private ``sshd`` on a free
127.0.0.1 port (root by key only; ``SetEnv OVS_RUNDIR`` so ``ovs-vsctl`` in
an SSH session drives this switch), and nodes. A node is a network
namespace ``<prefix>-<name>`` whose ``eth0`` (an address in one
10.231.X.0/24 subnet shared by all nodes) is wired by a veth to switch port
``p-<name>``, which starts as an access port of the quarantine VLAN. The
prefix is random per lab, so concurrent runs do not collide. Needs root,
``ip``, ``ping``, ``ssh-keygen``, ``/usr/sbin/sshd`` and the Open vSwitch
tools (``tools/install-lab-packages.sh`` installs them).

Use the module-scoped fixture (one lab per test module)::

    from tests.integration.switchlab.fixtures import switch_lab  # noqa: F401

    SWITCH_LAB_QUARANTINE_VLAN = 999           # optional, default 999
    SWITCH_LAB_NODES = ("n1", "n2", "n3")      # optional, default n1..n4

    def test_x(switch_lab):
        switch_lab.reset_ports()               # all nodes back to quarantine
        config = SwitchConfig(name="lab", driver="generic_switch",
                              device_type="netmiko_ovs_linux",
                              connection=switch_lab.ssh_connection())
        ...
        assert switch_lab.reaches("n1", "n2")

or :func:`~tests.integration.switchlab.fixtures.running_lab` (a context
manager, skips/fails like the fixture when prerequisites are missing), or
:class:`SwitchLab` directly (``with SwitchLab(quarantine_vlan=999) as lab:``).

:class:`SwitchLab` (``lab``)
    ``lab.add_node(name, vlan=None) -> Node``
        ``Node(name, namespace, port, ip)``; the port starts as an access
        port of ``vlan`` (default: the quarantine VLAN).
    ``lab.nodes: dict[str, Node]``, ``lab.quarantine_vlan``, ``lab.bridge``,
    ``lab.subnet``, ``lab.ssh_port``
    ``lab.ssh_connection(fast=True, **overrides) -> dict[str, str]``
        ``SwitchConfig.connection`` for the ``generic_switch`` driver:
        ``ip``, ``port``, ``username``, ``key_file``, ``use_keys``,
        ``allow_agent``, ``ngs_ssh_connect_timeout`` (5),
        ``ngs_ssh_connect_interval`` (1) and, when ``fast``, netmiko's
        ``global_cmd_verify: true`` (wait for the prompt instead of two
        seconds of silence after each change).
    ``lab.port_state(port) -> PortReadback``
        ``PortReadback(name, tag, vlan_mode, trunks)`` read back with
        ``ovs-vsctl --format=json``; ``.effective_mode`` and
        ``.carries_all_vlans`` interpret it as OVS does.
    ``lab.port_tag(port) -> int | None``
    ``lab.set_port(port, tag, vlan_mode="access", trunks=())``
        set a port directly (not through a driver), e.g. for a control.
    ``lab.reset_ports()``
        every node's port back to an access port of the quarantine VLAN.
    ``lab.reaches(a, b) -> bool``
        ``a`` pings ``b`` (node names or :class:`Node`); ARP caches and the
        switch's MAC table are flushed first.
    ``lab.tagged_frame_reaches(src, vid, dsts, window=1.0) -> set[str]``
        one broadcast ARP tagged with ``vid`` (``None``: untagged) sent
        from ``src``'s NIC by a raw socket; the names of ``dsts`` whose NIC
        received it (captures start before the frame is sent).
    ``lab.stop_sshd()`` / ``lab.start_sshd()``
        make the switch unreachable / reachable again (same port).
    ``lab.vsctl(*args) -> str``, ``lab.appctl(*args) -> str``,
    ``lab.in_namespace(namespace, argv)``
    ``lab.close()``
        removes namespaces, veths, daemons and the temporary directory
        (idempotent; also runs at interpreter exit and when ``start``
        fails).
:func:`missing_prerequisites` ``-> list[str]``: what the machine lacks.
"""

from tests.integration.switchlab.lab import DEFAULT_NODES
from tests.integration.switchlab.lab import QUARANTINE_VLAN
from tests.integration.switchlab.lab import LabError
from tests.integration.switchlab.lab import Node
from tests.integration.switchlab.lab import PortReadback
from tests.integration.switchlab.lab import SwitchLab
from tests.integration.switchlab.lab import missing_prerequisites

__all__ = ["DEFAULT_NODES", "QUARANTINE_VLAN", "LabError", "Node",
           "PortReadback", "SwitchLab", "missing_prerequisites"]
