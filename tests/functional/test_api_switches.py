"""``/v1/switches`` on the real app and database (noauth).

Admins only; passwords and secrets are write-only (encrypted at rest,
never returned, logged or put in events or error messages); switches of
``[switch:NAME]`` sections are listed and read-only.
"""

import json
import logging
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography import fernet

from esi_leap.conf import CONF
from esi_leap.db import api as db_api
from esi_leap.db import models
from esi_leap.db import ports as db_ports
from tests import helpers
from tests.conftest import ADMIN_PROJECT
from tests.conftest import LESSEE
from tests.conftest import OTHER
from tests.conftest import OWNER

PATH = "/v1/switches"
PASSWORD = "Sw1tch-Pa55word-not-real"
SECRET = "En4ble-Secret-not-real"
VIEW_KEYS = {"uuid", "name", "driver", "device_type", "switch_id",
             "physical_network", "connection", "has_password", "has_secret",
             "has_audit_password", "source", "created_at", "updated_at"}


def write_key(path: Path) -> Path:
    path.write_text(fernet.Fernet.generate_key().decode() + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def admin(client: helpers.ApiClient, tmp_path: Path) -> helpers.ApiClient:
    """An admin client; physnet1 and physnet2 configured; a secret key."""
    helpers.override("vlan_ranges", ["physnet1:100:199", "physnet2:200:299"],
                     group="networking")
    helpers.override("quarantine_vlans", ["physnet1:999", "physnet2:998"],
                     group="networking")
    helpers.override("secret_key_file", str(write_key(tmp_path / "key")),
                     group="networking")
    return client.as_(ADMIN_PROJECT, "admin")


def create(admin: helpers.ApiClient, **fields: Any) -> Any:
    body = {"name": "tor1", "driver": "fake", **fields}
    response = admin.post(PATH, body)
    assert response.status_code == 201, response.text
    return response.json


def db_dump() -> str:
    """Every stored row of every table, as text."""
    with db_api.reader() as session:
        conn = session.connection()
        meta = sa.MetaData()
        meta.reflect(conn)
        return repr({name: [tuple(r) for r in conn.execute(sa.select(t))]
                     for name, t in meta.tables.items()})


def switch_rows() -> list[models.Switch]:
    with db_api.reader() as session:
        return list(session.scalars(sa.select(models.Switch)))


# -- create, show, list -------------------------------------------------------

def test_create_show_and_list(admin: helpers.ApiClient) -> None:
    body = create(admin, name="leaf-1", driver="generic_switch",
                  device_type="netmiko_ovs_linux",
                  switch_id="AA:BB:CC:DD:EE:01", physical_network="physnet1",
                  connection={"ip": "127.0.0.1", "port": "2222",
                              "username": "ngs", "ngs_save_configuration":
                              "false"},
                  password=PASSWORD, secret=SECRET)
    assert set(body) == VIEW_KEYS
    assert body["switch_id"] == "aa:bb:cc:dd:ee:01"
    assert body["connection"] == {"ip": "127.0.0.1", "port": "2222",
                                  "username": "ngs",
                                  "ngs_save_configuration": "false"}
    assert body["has_password"] is True and body["has_secret"] is True
    assert body["source"] == "api"
    assert body["created_at"] and body["updated_at"] is None
    for ident in (body["uuid"], "leaf-1"):
        shown = admin.get(f"{PATH}/{ident}")
        assert shown.status_code == 200 and shown.json == body
    listed = admin.get(PATH)
    assert listed.status_code == 200
    assert listed.json == {"switches": [body]}


def test_defaults(admin: helpers.ApiClient) -> None:
    response = admin.post(PATH, {"name": "s", "device_type":
                                 "netmiko_cisco_ios"})
    assert response.status_code == 201, response.text
    body = response.json
    assert body["driver"] == "generic_switch"
    assert body["connection"] == {}
    assert body["has_password"] is False and body["has_secret"] is False


def test_secrets_are_never_returned_logged_or_stored_in_clear(
        admin: helpers.ApiClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    created = create(admin, password=PASSWORD)
    patched = admin.patch(f"{PATH}/tor1", {"secret": SECRET})
    assert patched.status_code == 200, patched.text
    answers = [created, patched.json, admin.get(PATH).json,
               admin.get(f"{PATH}/tor1").json]
    for answer in answers:
        text = json.dumps(answer)
        assert PASSWORD not in text and SECRET not in text
    assert patched.json["has_password"] and patched.json["has_secret"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "tor1" in logged  # the changes were logged...
    assert PASSWORD not in logged and SECRET not in logged  # ...not these
    stored = db_dump()
    assert "tor1" in stored
    assert PASSWORD not in stored and SECRET not in stored


def test_bad_secret_is_refused_without_repeating_it(
        admin: helpers.ApiClient) -> None:
    for value in [12345678, "x" * 2000, ["Sw1tch"], ""]:
        response = admin.post(PATH, {"name": "tor1", "driver": "fake",
                                     "password": value})
        assert response.status_code == 400, response.text
        assert "password must be a string" in response.json["faultstring"]
        assert "xxxx" not in response.text and "Sw1tch" not in response.text
        assert "12345678" not in response.text
    assert switch_rows() == []


@pytest.mark.parametrize(("body", "words"), [
    ({}, "'name' is a required property"),
    ({"name": ""}, "name"),
    ({"name": "n" * 256}, "name"),
    ({"name": "a/b"}, "'/'"),
    ({"name": "s", "driver": "nonesuch"}, "not installed"),
    ({"name": "s", "driver": "generic_switch"}, "device_type"),
    ({"name": "s", "switch_id": "aa:bb"}, "MAC address"),
    ({"name": "s", "physical_network": "physnet7"}, "physnet7"),
    ({"name": "s", "connection": {"port": 22}}, "connection.port"),
    ({"name": "s", "connection": {"a": {"b": "c"}}}, "connection.a"),
    ({"name": "s", "connection": {"password": "x"}}, "write-only"),
    ({"name": "s", "bogus": 1}, "bogus"),
])
def test_bad_input_is_400_and_stores_nothing(admin: helpers.ApiClient,
                                             body: dict[str, Any],
                                             words: str) -> None:
    if "driver" not in body:
        body = {**body, "driver": "fake"}
    response = admin.post(PATH, body)
    assert response.status_code == 400, response.text
    assert response.json["faultcode"] == "Client"
    assert words in response.json["faultstring"]
    assert switch_rows() == []


def test_duplicate_name_and_mac_are_409(admin: helpers.ApiClient) -> None:
    create(admin, switch_id="aa:bb:cc:dd:ee:01")
    again = admin.post(PATH, {"name": "tor1", "driver": "fake"})
    assert again.status_code == 409
    same_mac = admin.post(PATH, {"name": "tor2", "driver": "fake",
                                 "switch_id": "AA-BB-CC-DD-EE-01"})
    assert same_mac.status_code == 409
    assert "tor1" in same_mac.json["faultstring"]
    assert len(switch_rows()) == 1


# -- who may ------------------------------------------------------------------

@pytest.mark.parametrize(("project", "roles"), [
    (OWNER, "member"), (OWNER, "reader"), (LESSEE, "member"),
    (OTHER, "member"), (OWNER, "owner"), (LESSEE, "esi_leap_lessee")])
def test_non_admins_get_403_everywhere(client: helpers.ApiClient,
                                       admin: helpers.ApiClient,
                                       project: str, roles: str) -> None:
    switch = create(admin, password=PASSWORD)
    caller = client.as_(project, roles)
    for response in (
            caller.get(PATH), caller.get(f"{PATH}/tor1"),
            caller.get(f"{PATH}/no-such-switch"),
            caller.post(PATH, {"name": "mine", "driver": "fake"}),
            caller.patch(f"{PATH}/tor1", {"physical_network": "physnet1"}),
            caller.delete(f"{PATH}/tor1")):
        assert response.status_code == 403, response.text
        assert PASSWORD not in response.text
    [row] = switch_rows()
    assert row.uuid == switch["uuid"] and row.physical_network is None


def test_no_credentials_is_401(client: helpers.ApiClient) -> None:
    assert client.get(PATH).status_code == 401
    assert client.post(PATH, {"name": "x", "driver": "fake"}
                       ).status_code == 401


def test_admin_alias_role_is_admin(client: helpers.ApiClient,
                                   admin: helpers.ApiClient) -> None:
    response = client.as_(ADMIN_PROJECT, "esi_leap_admin").post(
        PATH, {"name": "tor1", "driver": "fake"})
    assert response.status_code == 201, response.text


# -- change -------------------------------------------------------------------

def test_patch_fields_connection_and_secrets(admin: helpers.ApiClient
                                             ) -> None:
    create(admin, connection={"ip": "192.0.2.1", "port": "22"},
           password=PASSWORD)
    response = admin.patch(f"{PATH}/tor1", {
        "physical_network": "physnet2", "switch_id": "AA:BB:CC:DD:EE:02",
        "connection": {"ip": "192.0.2.2"}})
    assert response.status_code == 200, response.text
    body = response.json
    assert body["physical_network"] == "physnet2"
    assert body["switch_id"] == "aa:bb:cc:dd:ee:02"
    assert body["connection"] == {"ip": "192.0.2.2"}
    assert body["has_password"] is True
    assert body["updated_at"] is not None
    cleared = admin.patch(f"{PATH}/tor1", {"password": None,
                                           "physical_network": None})
    assert cleared.status_code == 200
    assert cleared.json["has_password"] is False
    assert cleared.json["physical_network"] is None
    assert switch_rows()[0].secrets is None


@pytest.mark.parametrize(("body", "status", "words"), [
    ({}, 400, "non-empty"),
    ({"name": "renamed"}, 400, "cannot be changed"),
    ({"driver": "generic_switch"}, 400, "device_type"),
    ({"switch_id": "zz"}, 400, "MAC"),
    ({"bogus": 1}, 400, "bogus"),
])
def test_bad_patch_changes_nothing(admin: helpers.ApiClient,
                                   body: dict[str, Any], status: int,
                                   words: str) -> None:
    before = create(admin)
    response = admin.patch(f"{PATH}/tor1", body)
    assert response.status_code == status, response.text
    assert words in response.json["faultstring"]
    assert admin.get(f"{PATH}/tor1").json == before


def test_unknown_switch_is_404(admin: helpers.ApiClient) -> None:
    for response in (admin.get(f"{PATH}/nope"),
                     admin.patch(f"{PATH}/nope", {"device_type": "x"}),
                     admin.delete(f"{PATH}/nope")):
        assert response.status_code == 404
        assert "nope" in response.json["faultstring"]


# -- delete -------------------------------------------------------------------

def test_delete(admin: helpers.ApiClient) -> None:
    switch = create(admin)
    response = admin.delete(f"{PATH}/{switch['uuid']}")
    assert response.status_code == 204
    assert switch_rows() == []
    assert admin.get(f"{PATH}/tor1").status_code == 404


def test_delete_refused_while_a_port_or_attachment_uses_it(
        admin: helpers.ApiClient) -> None:
    create(admin)
    port = db_ports.port_create({
        "uuid": str(uuid.uuid4()), "node_uuid": str(uuid.uuid4()),
        "name": "eth0", "switch": "tor1", "switch_port": "Ethernet1"},
        registered_switch=True)
    response = admin.delete(f"{PATH}/tor1")
    assert response.status_code == 409
    assert "eth0" in response.json["faultstring"]
    db_ports.port_delete(port.uuid)
    with db_api.writer() as session:
        network = models.Network(uuid=str(uuid.uuid4()), name="net",
                                 project_id=LESSEE,
                                 physical_network="physnet1", vlan=100)
        session.add(network)
        session.flush()
        session.add(models.PortAttachment(
            uuid=str(uuid.uuid4()), network_id=network.id, node_uuid="n",
            port_uuid=port.uuid, switch="tor1", switch_port="Ethernet1",
            mode="native", project_id=LESSEE))
    response = admin.delete(f"{PATH}/tor1")
    assert response.status_code == 409
    assert "attachments" in response.json["faultstring"]
    assert len(switch_rows()) == 1


# -- the secret key -----------------------------------------------------------

def test_secrets_without_a_key_are_409_and_store_nothing(
        admin: helpers.ApiClient) -> None:
    helpers.override("secret_key_file", None, group="networking")
    response = admin.post(PATH, {"name": "tor1", "driver": "fake",
                                 "password": PASSWORD})
    assert response.status_code == 409
    message = response.json["faultstring"]
    assert "[networking] secret_key_file" in message
    assert PASSWORD not in message
    assert switch_rows() == []
    create(admin)
    response = admin.patch(f"{PATH}/tor1", {"secret": SECRET})
    assert response.status_code == 409
    assert switch_rows()[0].secrets is None


def test_a_wrong_key_is_a_server_error_that_changes_nothing(
        admin: helpers.ApiClient, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    create(admin, password=PASSWORD)
    before = switch_rows()[0].secrets
    helpers.override("secret_key_file", str(write_key(tmp_path / "other")),
                     group="networking")
    # Showing needs no key.
    assert admin.get(f"{PATH}/tor1").json["has_password"] is True
    caplog.set_level(logging.DEBUG)
    response = admin.patch(f"{PATH}/tor1", {"secret": SECRET})
    assert response.status_code == 500
    assert response.json["faultcode"] == "Server"
    assert PASSWORD not in response.text and SECRET not in response.text
    logged = "\n".join(r.getMessage() + str(r.exc_info)
                       for r in caplog.records)
    assert "secret_key_file" in logged
    assert PASSWORD not in logged and SECRET not in logged
    assert switch_rows()[0].secrets == before
    # Replacing the only secret needs no old key.
    response = admin.patch(f"{PATH}/tor1", {"password": "new"})
    assert response.status_code == 200, response.text


# -- configured switches ------------------------------------------------------

def test_config_switches_are_listed_and_read_only(admin: helpers.ApiClient,
                                                  tmp_path: Path) -> None:
    conf = tmp_path / "esi-leap.conf"
    conf.write_text("[switch:cfg1]\ndriver = fake\nip = 192.0.2.50\n"
                    f"password = {PASSWORD}\nphysical_network = physnet1\n")
    CONF(["--config-file", str(conf)], project="esi-leap",
         default_config_files=[])
    create(admin, name="api1")
    listed = admin.get(PATH).json["switches"]
    assert [(s["name"], s["source"]) for s in listed] == [
        ("api1", "api"), ("cfg1", "config")]
    cfg1 = listed[1]
    assert cfg1["has_password"] is True
    assert cfg1["connection"] == {"ip": "192.0.2.50"}
    assert PASSWORD not in json.dumps(listed)
    assert admin.get(f"{PATH}/{cfg1['uuid']}").json == cfg1
    for response in (admin.patch(f"{PATH}/cfg1", {"device_type": "x"}),
                     admin.delete(f"{PATH}/cfg1")):
        assert response.status_code == 409
        assert response.json["faultstring"] == (
            "switch cfg1 is configured in [switch:cfg1]; change the "
            "configuration file.")
    taken = admin.post(PATH, {"name": "cfg1", "driver": "fake"})
    assert taken.status_code == 409
    assert "[switch:cfg1]" in taken.json["faultstring"]


# -- lists --------------------------------------------------------------------

def test_limit_and_marker(admin: helpers.ApiClient) -> None:
    for name in ("c", "a", "b"):
        create(admin, name=name)
    first = admin.get(f"{PATH}?limit=2")
    assert [s["name"] for s in first.json["switches"]] == ["a", "b"]
    assert "marker=" in first.json["next"]
    rest = admin.get(first.json["next"].replace("http://localhost", ""))
    assert [s["name"] for s in rest.json["switches"]] == ["c"]
    assert "next" not in rest.json
    desc = admin.get(f"{PATH}?sort_key=name&sort_dir=desc")
    assert [s["name"] for s in desc.json["switches"]] == ["c", "b", "a"]
    for query in ("sort_key=password", "marker=nope", "limit=0", "bogus=1"):
        assert admin.get(f"{PATH}?{query}").status_code == 400, query
