"""Parsing ``[networking] vlan_ranges`` and ``quarantine_vlans``."""

import pytest

from esi_leap.cmd import common
from esi_leap.networking import vlans
from tests import helpers


def test_ranges_pools_and_quarantine() -> None:
    pools = vlans.parse(["physnet1:100:102", "physnet1:300:300",
                         "physnet2:5:6"], ["physnet1:999", "physnet2:7",
                                           "physnet3:4000"])
    assert pools.pool("physnet1") == [100, 101, 102, 300]
    assert pools.pool("physnet3") == []
    assert pools.in_pool("physnet1", 300)
    assert not pools.in_pool("physnet1", 299)
    assert pools.physical_networks() == ["physnet1", "physnet2", "physnet3"]
    assert pools.quarantine == {"physnet1": 999, "physnet2": 7,
                                "physnet3": 4000}


@pytest.mark.parametrize("ranges,quarantine,fragment", [
    (["physnet1:100"], ["physnet1:999"], "is not PHYSNET:MIN:MAX"),
    (["physnet1:200:100"], ["physnet1:999"], "ends before it starts"),
    (["physnet1:0:10"], ["physnet1:999"], "VLANs are 1 to 4094"),
    (["physnet1:1:x"], ["physnet1:999"], "has VLAN 'x'"),
    (["physnet1:100:199"], [], "has a VLAN range but no quarantine"),
    (["physnet1:100:199"], ["physnet1:150"], "lies in its pool"),
    ([], ["physnet1:1", "physnet1:2"], "given twice"),
    ([], ["physnet1"], "is not PHYSNET:VLAN"),
])
def test_bad_settings_name_the_entry(ranges: list[str], quarantine: list[str],
                                     fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        vlans.parse(ranges, quarantine)


def test_default_physical_network_is_the_only_one() -> None:
    helpers.configure("sqlite://")
    helpers.override("quarantine_vlans", ["physnet1:999"], group="networking")
    assert vlans.default_physical_network() == "physnet1"
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    assert vlans.default_physical_network() is None
    helpers.override("default_physical_network", "physnet2",
                     group="networking")
    assert vlans.default_physical_network() == "physnet2"


def test_services_refuse_to_start_on_bad_vlan_settings() -> None:
    helpers.configure("sqlite://")
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    with pytest.raises(SystemExit, match="no quarantine VLAN"):
        common.check_networking()
    helpers.override("quarantine_vlans", ["physnet1:999"], group="networking")
    common.check_networking()
