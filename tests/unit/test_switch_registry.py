"""The switch registry: ``[switch:NAME]`` sections next to API switches.

Runs on a real (SQLite) database with a real configuration file.
"""

import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import fernet

from esi_leap.common import exception
from esi_leap.conf import CONF
from esi_leap.db import api as db_api
from esi_leap.db import models
from esi_leap.db import ports as db_ports
from esi_leap.db import switches as db_switches
from esi_leap.drivers import switches as switch_drivers
from esi_leap.networking import switches
from tests import helpers

CONFIG = """
[switch:leaf1]
driver = fake
switch_id = AA:BB:CC:00:00:01
physical_network = physnet1
ip = 192.0.2.1
username = admin
password = config-password
options = ngs_save_configuration:false

[switch:leaf2]
driver = generic_switch
device_type = netmiko_ovs_linux
"""


def load_config(tmp_path: Path, text: str = CONFIG) -> None:
    path = tmp_path / "esi-leap.conf"
    path.write_text(text)
    CONF(["--config-file", str(path)], project="esi-leap",
         default_config_files=[])


@pytest.fixture
def registry(database: str, tmp_path: Path) -> None:
    """Two configured switches, two physical networks, a secret key."""
    load_config(tmp_path)
    helpers.override("vlan_ranges", ["physnet1:100:199", "physnet2:200:299"],
                     group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    key = tmp_path / "secret.key"
    key.write_text(fernet.Fernet.generate_key().decode() + "\n")
    key.chmod(0o600)
    helpers.override("secret_key_file", str(key), group="networking")


def api_switch(**fields: object) -> switches.Switch:
    body = {"name": "spine1", "driver": "fake", **fields}
    return switches.create(body)


def rows() -> list[models.Switch]:
    with db_api.reader() as session:
        return list(session.scalars(sa.select(models.Switch)))


# -- reading ------------------------------------------------------------------

def test_config_switches_are_listed_read_only_without_secrets(
        registry: None) -> None:
    leaf1, leaf2 = switches.list_switches()
    assert (leaf1.name, leaf2.name) == ("leaf1", "leaf2")
    assert leaf1.source == "config" and leaf1.read_only
    assert leaf1.uuid == str(uuid.uuid5(switches.CONFIG_NAMESPACE, "leaf1"))
    assert leaf1.uuid == switches.config_uuid("leaf1") != leaf2.uuid
    assert leaf1.switch_id == "aa:bb:cc:00:00:01"
    assert leaf1.physical_network == "physnet1"
    assert dict(leaf1.connection) == {
        "ip": "192.0.2.1", "username": "admin",
        "ngs_save_configuration": "false"}
    assert leaf1.has_password and not leaf1.has_secret
    assert "config-password" not in repr(leaf1)
    assert leaf2.driver == "generic_switch"
    assert leaf2.device_type == "netmiko_ovs_linux"
    assert not leaf2.has_password


def test_api_and_config_switches_listed_together_by_name(
        registry: None) -> None:
    api_switch(name="aaa")
    api_switch(name="zzz")
    listed = switches.list_switches()
    assert [s.name for s in listed] == ["aaa", "leaf1", "leaf2", "zzz"]
    assert [s.source for s in listed] == ["api", "config", "config", "api"]


def test_get_by_name_or_uuid(registry: None) -> None:
    created = api_switch()
    assert switches.get("spine1") == created
    assert switches.get(created.uuid) == created
    assert switches.get("leaf1").source == "config"
    assert switches.get(switches.config_uuid("leaf2")).name == "leaf2"
    with pytest.raises(exception.SwitchNotFound, match="nope"):
        switches.get("nope")


def test_get_config_of_a_config_switch(registry: None) -> None:
    config = switches.get_config("leaf1")
    assert config.name == "leaf1" and config.driver == "fake"
    assert dict(config.secrets) == {"password": "config-password"}
    assert config.connection["ip"] == "192.0.2.1"
    assert "config-password" not in repr(config)


def test_get_config_of_an_api_switch_decrypts(registry: None) -> None:
    api_switch(password="pw-1", secret="en-1",
               connection={"ip": "198.51.100.7", "port": "2222"})
    [row] = rows()
    assert "pw-1" not in (row.secrets or "")
    assert "en-1" not in (row.secrets or "")
    config = switches.get_config("spine1")
    assert dict(config.secrets) == {"password": "pw-1", "secret": "en-1"}
    assert dict(config.connection) == {"ip": "198.51.100.7", "port": "2222"}


def test_get_config_needs_the_exact_name(registry: None) -> None:
    created = api_switch()
    with pytest.raises(exception.SwitchNotFound):
        switches.get_config(created.uuid)
    with pytest.raises(exception.SwitchNotFound):
        switches.get_config("absent")


def test_resolve_by_switch_info_then_by_mac(registry: None) -> None:
    api_switch(switch_id="00:11:22:33:44:55")
    assert switches.resolve("leaf2", None) == "leaf2"
    assert switches.resolve("spine1", "aa:bb:cc:00:00:01") == "spine1"
    assert switches.resolve(None, "AA:BB:CC:00:00:01") == "leaf1"
    assert switches.resolve("unknown-host", "aa-bb-cc-00-00-01") == "leaf1"
    assert switches.resolve("unknown", "00:11:22:33:44:55") == "spine1"
    assert switches.resolve("unknown", "00:00:00:00:00:00") is None
    assert switches.resolve(None, "not-a-mac") is None
    assert switches.resolve(None, None) is None


def test_physical_network_of_a_switch(registry: None) -> None:
    api_switch(physical_network="physnet2")
    assert switches.physical_network("leaf1") == "physnet1"
    assert switches.physical_network("spine1") == "physnet2"
    assert switches.physical_network("leaf2") is None
    assert switches.physical_network("absent") is None


def test_a_config_section_shadows_a_row_of_the_same_name(
        registry: None) -> None:
    row = db_switches.switch_create({
        "uuid": str(uuid.uuid4()), "name": "leaf1", "driver": "fake"})
    [leaf1] = [s for s in switches.list_switches() if s.name == "leaf1"]
    assert leaf1.source == "config"
    assert switches.get("leaf1").source == "config"
    assert switches.get_config("leaf1").secrets["password"] == (
        "config-password")
    # Still reachable by its own uuid, so that an admin can delete it.
    assert switches.get(row.uuid).source == "api"
    switches.delete(row.uuid)
    assert rows() == []


# -- creating -----------------------------------------------------------------

def test_create_defaults_and_normalises(registry: None) -> None:
    created = switches.create({"name": "tor-1",
                               "device_type": "netmiko_cisco_ios",
                               "switch_id": "00-AA-BB-CC-DD-EE"})
    assert created.driver == "generic_switch"
    assert created.switch_id == "00:aa:bb:cc:dd:ee"
    assert created.source == "api" and not created.read_only
    assert created.created_at is not None
    assert not created.has_password and not created.has_secret
    [row] = rows()
    assert row.secrets is None and row.connection == {}


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "a/b"}, "'/'"),
    ({"driver": "nonesuch"}, "not installed"),
    ({"driver": "generic_switch"}, "needs a device_type"),
    ({"driver": "generic_switch", "device_type": "netmiko_bogus"},
     "not a networking-generic-switch device type"),
    ({"switch_id": "aa:bb:cc"}, "MAC address"),
    ({"physical_network": "physnet9"}, "physnet9"),
    ({"connection": {"password": "x"}}, "write-only"),
    ({"connection": {"enable_secret": "x"}}, "write-only"),
    ({"connection": {"passwd": "x"}}, "write-only"),
    ({"connection": {"key_passphrase": "x"}}, "write-only"),
    ({"connection": {"SSH_Passphrase": "x"}}, "write-only"),
    ({"connection": {"ngs_trunk_ports": "Ethernet9,Ethernet1\nreload"}},
     "switch port"),
    ({"driver": "generic_switch", "device_type": "netmiko_ovs_linux",
      "connection": {"ngs_trunk_ports": "Ethernet1/1"}},
     "netmiko_ovs_linux"),
    ({"name": "spine1\ninterface Fa0/2"}, "switch name"),
    ({"name": "-spine"}, "switch name"),
    ({"password": ""}, "password must be a string"),
    ({"secret": 42}, "secret must be a string"),
])
def test_create_refuses_bad_input_and_stores_nothing(
        registry: None, body: dict[str, object], words: str) -> None:
    with pytest.raises(exception.InvalidInput) as caught:
        api_switch(**body)
    assert words in caught.value.message
    assert rows() == []


def test_secret_values_never_appear_in_messages(registry: None) -> None:
    with pytest.raises(exception.InvalidInput) as caught:
        api_switch(password="p" * 5000)
    assert "ppppp" not in caught.value.message


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "leaf1"}, "[switch:leaf1]"),
    ({"name": "other", "switch_id": "aa:bb:cc:00:00:01"}, "leaf1"),
])
def test_create_conflicts(registry: None, body: dict[str, object],
                          words: str) -> None:
    with pytest.raises(exception.Conflict) as caught:
        api_switch(**body)
    assert words in caught.value.message
    assert rows() == []


def test_duplicate_name_is_a_conflict(registry: None) -> None:
    api_switch()
    with pytest.raises(exception.Conflict, match="spine1"):
        api_switch()
    assert len(rows()) == 1


def test_a_password_without_a_key_is_refused(registry: None) -> None:
    helpers.override("secret_key_file", None, group="networking")
    with pytest.raises(exception.Conflict, match="secret_key_file"):
        api_switch(password="pw")
    assert rows() == []
    assert api_switch().has_password is False


def test_drivers_are_the_installed_ones(registry: None,
                                        monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    monkeypatch.setattr(switch_drivers, "known_drivers", lambda: ["other"])
    with pytest.raises(exception.InvalidInput, match="installed drivers: "
                                                     "other"):
        api_switch()
    assert api_switch(driver="other").driver == "other"


# -- changing -----------------------------------------------------------------

def test_update_replaces_connection_and_keeps_secrets(registry: None
                                                      ) -> None:
    created = api_switch(password="pw", connection={"ip": "192.0.2.9",
                                                    "port": "22"})
    changed = switches.update("spine1", {"connection": {"ip": "192.0.2.10"},
                                         "physical_network": "physnet1"})
    assert dict(changed.connection) == {"ip": "192.0.2.10"}
    assert changed.physical_network == "physnet1"
    assert changed.has_password and changed.uuid == created.uuid
    assert changed.updated_at is not None
    assert switches.get_config("spine1").secrets == {"password": "pw"}


def test_update_secrets(registry: None) -> None:
    api_switch(password="pw")
    assert switches.update("spine1", {"secret": "en"}).has_secret
    assert dict(switches.get_config("spine1").secrets) == {
        "password": "pw", "secret": "en"}
    cleared = switches.update("spine1", {"password": None})
    assert not cleared.has_password and cleared.has_secret
    assert dict(switches.get_config("spine1").secrets) == {"secret": "en"}


def test_update_checks_the_result_and_changes_nothing_when_bad(
        registry: None) -> None:
    api_switch(switch_id="00:11:22:33:44:55")
    before = rows()[0].__dict__.copy()
    cases: list[tuple[dict[str, Any], type[Exception]]] = [
            ({"driver": "generic_switch"}, exception.InvalidInput),
            ({"device_type": None, "driver": "generic_switch"},
             exception.InvalidInput),
            ({"switch_id": "aa:bb:cc:00:00:01"}, exception.Conflict),
            ({"name": "renamed"}, exception.InvalidInput),
            ({"physical_network": "nope"}, exception.InvalidInput)]
    for body, error in cases:
        with pytest.raises(error):
            switches.update("spine1", body)
    after = rows()[0].__dict__
    for key in ("driver", "device_type", "switch_id", "physical_network",
                "name", "updated_at"):
        assert after[key] == before[key], key


def test_keeping_its_own_mac_is_no_conflict(registry: None) -> None:
    api_switch(switch_id="00:11:22:33:44:55")
    changed = switches.update("spine1", {"switch_id": "00:11:22:33:44:55",
                                         "device_type": "x"})
    assert changed.device_type == "x"


def test_config_switches_cannot_be_changed_or_deleted(registry: None
                                                      ) -> None:
    message = r"configured in \[switch:leaf1\]; change the configuration"
    with pytest.raises(exception.Conflict, match=message):
        switches.update("leaf1", {"driver": "fake"})
    with pytest.raises(exception.Conflict, match=message):
        switches.delete("leaf1")


# -- deleting -----------------------------------------------------------------

def test_delete(registry: None) -> None:
    created = api_switch()
    assert switches.delete("spine1") == created
    assert rows() == []
    with pytest.raises(exception.SwitchNotFound):
        switches.delete("spine1")


def test_delete_refused_while_a_registered_port_is_on_it(registry: None
                                                         ) -> None:
    api_switch()
    db_ports.port_create({"uuid": str(uuid.uuid4()), "node_uuid": "n-1",
                          "name": "eth0", "switch": "spine1",
                          "switch_port": "Ethernet1"},
                         registered_switch=True)
    with pytest.raises(exception.Conflict, match="eth0"):
        switches.delete("spine1")
    assert len(rows()) == 1


def test_delete_refused_while_an_action_is_unfinished(registry: None
                                                      ) -> None:
    api_switch()
    with db_api.writer() as session:
        session.add(models.NetworkAction(
            uuid=str(uuid.uuid4()), kind="attach", status="pending",
            node_uuid="n-1", port_uuid="p-1", switch="spine1",
            switch_port="Ethernet1", physical_network="physnet1"))
    with pytest.raises(exception.Conflict, match="unfinished"):
        switches.delete("spine1")
    with db_api.writer() as session:
        session.execute(sa.update(models.NetworkAction).values(
            status="done"))
    switches.delete("spine1")
    assert rows() == []


def test_registering_a_port_on_a_deleted_switch_fails(registry: None
                                                      ) -> None:
    api_switch()
    switches.delete("spine1")
    with pytest.raises(exception.SwitchNotFound):
        db_ports.port_create({"uuid": str(uuid.uuid4()), "node_uuid": "n-1",
                              "name": "eth0", "switch": "spine1",
                              "switch_port": "Ethernet1"},
                             registered_switch=True)
    assert db_ports.port_list() == []


def test_mapping_fields_cannot_move_under_attachments(registry: None
                                                      ) -> None:
    api_switch(physical_network="physnet1")
    with db_api.writer() as session:
        session.add(models.NetworkAction(
            uuid=str(uuid.uuid4()), kind="attach", status="running",
            node_uuid="n-1", port_uuid="p-1", switch="spine1",
            switch_port="Ethernet1", physical_network="physnet1"))
    for body in ({"physical_network": "physnet2"},
                 {"switch_id": "00:11:22:33:44:66"}):
        with pytest.raises(exception.Conflict, match="cannot change"):
            switches.update("spine1", body)
    # Other fields, or the same values, may change.
    changed = switches.update("spine1", {"physical_network": "physnet1",
                                         "connection": {"ip": "192.0.2.3"}})
    assert changed.connection == {"ip": "192.0.2.3"}
    assert switches.get("spine1").physical_network == "physnet1"


def test_an_empty_switch_id_is_none(registry: None) -> None:
    assert api_switch(switch_id="").switch_id is None


# -- the auditor's credentials ------------------------------------------------

AUDIT_CONFIG = CONFIG + """
[switch:leaf3]
driver = fake
username = writer
password = write-password
secret = enable-secret
audit_username = auditor
audit_password = read-password
audit_ignore_ports = Eth1/49, Eth1/50
options = ngs_trunk_ports:Eth1/51
"""


def test_the_auditor_reads_with_its_own_account(database: str,
                                                 tmp_path: Path) -> None:
    load_config(tmp_path, AUDIT_CONFIG)
    writer = switches.get_config("leaf3")
    assert writer.connection["username"] == "writer"
    assert dict(writer.secrets) == {"password": "write-password",
                                    "secret": "enable-secret"}
    assert not any(k.startswith("audit_") for k in writer.connection)
    reader = switches.get_audit_config("leaf3")
    assert reader.connection["username"] == "auditor"
    assert dict(reader.secrets) == {"password": "read-password"}
    assert not any(k.startswith("audit_") for k in reader.connection)
    shown = switches.get("leaf3")
    assert shown.has_audit_password
    assert "read-password" not in repr(shown)
    assert switches.audit_ignored_ports(shown.connection) == {
        "Eth1/49", "Eth1/50", "Eth1/51"}
    # Without a read-only account the auditor uses the write one.
    assert switches.get_audit_config("leaf1") == switches.get_config("leaf1")


def test_api_switches_keep_the_audit_password_sealed(
        registry: None) -> None:
    created = api_switch(connection={"audit_username": "auditor"},
                         audit_password="sealed-read-password")
    assert created.has_audit_password and not created.has_password
    (row,) = [r for r in rows() if r.name == "spine1"]
    assert "sealed-read-password" not in (row.secrets or "")
    reader = switches.get_audit_config("spine1")
    assert (reader.connection["username"], dict(reader.secrets)) == (
        "auditor", {"password": "sealed-read-password"})


def test_secret_options_of_a_section_are_secrets(tmp_path: Path,
                                                 database: str) -> None:
    """``passwd`` and ``key_passphrase`` in a section's ``options`` are
    never shown with the connection; the driver gets them as secrets."""
    load_config(tmp_path, "[switch:leaf9]\ndriver = fake\n"
                          "options = passwd:pw-9,key_passphrase:kp-9,"
                          "ngs_save_configuration:false\n")
    shown = switches.get("leaf9")
    assert dict(shown.connection) == {"ngs_save_configuration": "false"}
    assert "pw-9" not in repr(shown) and "kp-9" not in repr(shown)
    config = switches.get_config("leaf9")
    assert dict(config.secrets) == {"passwd": "pw-9", "key_passphrase": "kp-9"}
    assert "passwd" not in config.connection


def test_secret_option_names() -> None:
    from esi_leap.conf import networking as networking_conf
    for name in ("password", "passwd", "key_passphrase", "secret",
                 "audit_password", "enable_secret"):
        assert networking_conf.is_secret_option(name), name
    for name in ("ip", "username", "key_file", "ngs_trunk_ports"):
        assert not networking_conf.is_secret_option(name), name
