"""The auditor's classification of observed ports (pure functions)."""

from esi_leap.audit import compare
from esi_leap.audit.model import IntendedPort
from esi_leap.audit.model import NetworkRef
from esi_leap.audit.model import SwitchIntent
from esi_leap.drivers.switches.base import ACCESS
from esi_leap.drivers.switches.base import TRUNK
from esi_leap.drivers.switches.base import ObservedPort

Q = 999
MINE = NetworkRef(uuid="net-mine", project_id="p-mine", vlan=100)
OTHER = NetworkRef(uuid="net-other", project_id="p-other", vlan=200)
SHARED = NetworkRef(uuid="net-shared", project_id="p-other", vlan=300,
                    shared_with=frozenset({"p-mine"}))
TENANTS = {n.vlan: n for n in (MINE, OTHER, SHARED)}


def port(native: int | None = MINE.vlan, tagged: tuple[int, ...] = (),
         networks: tuple[NetworkRef, ...] = (MINE,)) -> IntendedPort:
    return IntendedPort(
        switch="sw", switch_port="p1", port_uuid="port-1", node_uuid="n1",
        native_vlan=native, tagged_vlans=frozenset(tagged),
        networks={n.vlan: n for n in networks}, tenant_vlans=TENANTS,
        project_id="p-mine", lease_uuid="lease-1")


def quarantined() -> IntendedPort:
    return port(native=Q, networks=())


def access(vlan: int, up: bool | None = True) -> ObservedPort:
    return ObservedPort("p1", ACCESS, vlan, frozenset(), up)


def trunk(native: int | None, allowed: tuple[int, ...] | None
          ) -> ObservedPort:
    return ObservedPort("p1", TRUNK, native,
                        None if allowed is None else frozenset(allowed))


def kinds(intended: IntendedPort, seen: ObservedPort
          ) -> list[tuple[str, str, int | None]]:
    return [(d.kind, d.severity, d.vlan)
            for d in compare.compare_port(intended, seen)]


def test_a_port_as_intended_matches() -> None:
    assert kinds(port(), access(MINE.vlan)) == [("match", "info", None)]
    assert kinds(port(Q, (MINE.vlan,)), trunk(Q, (MINE.vlan,))) == [
        ("match", "info", None)]


def test_quarantine() -> None:
    assert kinds(quarantined(), access(Q)) == [("match", "info", None)]
    assert kinds(quarantined(), access(1, up=False)) == [
        ("match", "info", None)]
    assert kinds(quarantined(), access(1)) == [
        ("not_quarantined", "major", None)]
    assert kinds(quarantined(), access(OTHER.vlan)) == [
        ("not_quarantined", "critical", None)]
    assert kinds(quarantined(), trunk(None, None)) == [
        ("not_quarantined", "critical", None)]


def test_another_projects_vlan_is_a_breach_naming_it() -> None:
    (extra, missing) = compare.compare_port(port(), access(OTHER.vlan))
    assert (extra.kind, extra.severity, extra.vlan) == (
        "extra_vlan", "critical", OTHER.vlan)
    assert extra.foreign_networks == {"net-other": "p-other"}
    assert "p-other" in extra.message and "p-mine" in extra.message
    assert (missing.kind, missing.vlan) == ("missing_vlan", MINE.vlan)


def test_extra_vlans_the_project_may_use_or_nobody_owns_are_major() -> None:
    found = kinds(port(Q, (MINE.vlan,)),
                  trunk(Q, (MINE.vlan, SHARED.vlan, 4000)))
    assert found == [("extra_vlan", "major", SHARED.vlan),
                     ("extra_vlan", "major", 4000)]


def test_a_port_carrying_every_vlan_is_one_critical_finding() -> None:
    assert kinds(port(), trunk(None, None)) == [
        ("extra_vlan", "critical", None)]


def test_same_vlans_wrong_mode_or_native() -> None:
    assert kinds(port(), trunk(MINE.vlan, (MINE.vlan,))) == [
        ("wrong_mode", "minor", None)]
    assert kinds(port(MINE.vlan, (SHARED.vlan,), (MINE, SHARED)),
                 trunk(SHARED.vlan, (MINE.vlan,))) == [
        ("wrong_native", "major", None)]


def test_a_down_port_with_networks_misses_them() -> None:
    assert kinds(port(), access(MINE.vlan, up=False)) == [
        ("missing_vlan", "major", None)]


def test_missing_quarantine_native_is_minor() -> None:
    assert kinds(port(Q, (MINE.vlan,)), trunk(None, (MINE.vlan,))) == [
        ("missing_vlan", "minor", Q)]


def intent(**fields: object) -> SwitchIntent:
    values: dict[str, object] = {
        "switch": "sw", "ports": {"p1": port()}, "tenant_vlans": TENANTS}
    values.update(fields)
    return SwitchIntent(**values)  # type: ignore[arg-type]


def test_switch_level_classification() -> None:
    seen = {"p1": access(MINE.vlan),
            "down1": access(OTHER.vlan, up=False),
            "up1": trunk(1, (MINE.vlan, OTHER.vlan)),
            "lab": access(1), "wild": trunk(None, None),
            "uplink": trunk(1, (MINE.vlan,))}
    found = compare.compare_switch(intent(ignored_ports=frozenset(
        {"uplink"})), seen)
    assert [(d.switch_port, d.kind, d.severity) for d in found] == [
        ("p1", "match", "info"),
        ("down1", "unmanaged_port", "minor"),
        ("up1", "unmanaged_port", "critical"),
        ("wild", "unmanaged_port", "critical")]
    assert found[2].foreign_networks == {"net-mine": "p-mine",
                                         "net-other": "p-other"}


def test_absent_and_busy_ports() -> None:
    assert [(d.kind, d.switch_port) for d in compare.compare_switch(
        intent(), {})] == [("unreadable", "p1")]
    assert compare.compare_switch(intent(busy_ports=frozenset({"p1"})),
                                  {}) == []


def test_fingerprints_tell_findings_apart() -> None:
    one = compare.compare_port(port(), access(OTHER.vlan))
    again = compare.compare_port(port(), access(OTHER.vlan))
    assert [d.fingerprint() for d in one] == [d.fingerprint() for d in again]
    assert one[0].fingerprint() != one[1].fingerprint()
    unreadable = compare.unreadable_switch("sw", "timed out")
    assert unreadable.switch_port is None
    assert "timed out" in unreadable.message
