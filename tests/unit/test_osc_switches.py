"""``openstack esi switch ...``: secrets come from a prompt or a file,
are sent unlogged and never printed."""

from __future__ import annotations

import argparse
import copy
import io
import os
from pathlib import Path

import pytest

from esi_leap.osc.v1 import switches
from tests.unit.osc_fakes import SWITCH
from tests.unit.osc_fakes import FakeApi
from tests.unit.osc_fakes import fault
from tests.unit.osc_fakes import run_command
from tests.unit.osc_fakes import run_failing

CREATE = ["sw1", "--driver", "generic_switch", "--device-type",
          "netmiko_ovs_linux", "--switch-id", "aa:bb:cc:dd:ee:ff",
          "--physical-network", "physnet1", "--connection", "ip=192.0.2.10",
          "--connection", "port=22", "--connection", "username=admin",
          "--connection", "ngs_trunk_ports=p9,p10"]


@pytest.fixture
def api() -> FakeApi:
    fake = FakeApi()
    fake.add("POST", "/v1/switches", (201, SWITCH))
    fake.add("PATCH", "/v1/switches/sw1", (200, SWITCH))
    return fake


@pytest.fixture
def password_file(tmp_path: Path) -> str:
    path = tmp_path / "pw"
    path.write_text("s3cr3t pass\nsecond line\n")
    os.chmod(path, 0o600)
    return str(path)


def test_create_body_from_options(api: FakeApi, password_file: str) -> None:
    result = run_command(switches.CreateSwitch,
                         [*CREATE, "--password-file", password_file,
                          "-f", "json"], api)
    assert api.last().body == {
        "name": "sw1", "driver": "generic_switch",
        "device_type": "netmiko_ovs_linux",
        "switch_id": "aa:bb:cc:dd:ee:ff", "physical_network": "physnet1",
        "connection": {"ip": "192.0.2.10", "port": "22",
                       "username": "admin", "ngs_trunk_ports": "p9,p10"},
        "password": "s3cr3t pass"}
    assert result.json() == SWITCH
    assert "s3cr3t" not in result.stdout


def test_create_minimal(api: FakeApi) -> None:
    run_command(switches.CreateSwitch, ["sw1", "--driver", "fake"], api)
    assert api.last().body == {"name": "sw1", "driver": "fake"}


def test_unknown_driver_is_refused(api: FakeApi) -> None:
    with pytest.raises(SystemExit):
        run_command(switches.CreateSwitch, ["sw1", "--driver", "cisco"], api)
    assert api.received == []


def test_secret_file_and_password_from_stdin(api: FakeApi,
                                             tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("en4ble\r\n")
    run_command(switches.CreateSwitch,
                ["sw1", "--password-file", "-", "--secret-file",
                 str(secret)], api, stdin="from-stdin\n")
    body = api.last().body
    assert body["password"] == "from-stdin"
    assert body["secret"] == "en4ble"


def test_both_files_cannot_read_stdin(api: FakeApi) -> None:
    error, _ = run_failing(switches.CreateSwitch,
                           ["sw1", "--password-file", "-", "--secret-file",
                            "-"], api)
    assert "standard input" in str(error)
    assert api.received == []


@pytest.mark.parametrize("content,problem", [
    (None, "Cannot read the password file"), ("", "is empty"),
    ("\nlater", "is empty")])
def test_bad_password_file(api: FakeApi, tmp_path: Path,
                           content: str | None, problem: str) -> None:
    path = tmp_path / "pw"
    if content is not None:
        path.write_text(content)
    error, _ = run_failing(switches.CreateSwitch,
                           ["sw1", "--password-file", str(path)], api)
    assert problem in str(error)
    assert api.received == []


def test_password_prompt(api: FakeApi,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed-pw", "typed-pw", "typed-secret", "typed-secret"])
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", getpass)
    result = run_command(switches.CreateSwitch,
                         ["sw1", "--password-prompt", "--secret-prompt"],
                         api, tty=True)
    assert api.last().body["password"] == "typed-pw"
    assert api.last().body["secret"] == "typed-secret"
    assert prompts == ["Switch password:", "Repeat Switch password:",
                       "Switch enable secret:",
                       "Repeat Switch enable secret:"]
    assert "typed" not in result.stdout


def test_password_prompt_needs_a_terminal(api: FakeApi) -> None:
    error, _ = run_failing(switches.CreateSwitch,
                           ["sw1", "--password-prompt"], api)
    assert "No terminal" in str(error)
    assert api.received == []


def test_password_sources_are_exclusive(api: FakeApi,
                                        password_file: str) -> None:
    with pytest.raises(SystemExit):
        run_command(switches.CreateSwitch,
                    ["sw1", "--password-prompt", "--password-file",
                     password_file], api)
    with pytest.raises(SystemExit):
        run_command(switches.CreateSwitch,
                    ["sw1", "--password", "x", "--password-file",
                     password_file], api)


def test_plain_password_is_accepted_but_masked_in_the_arguments(
        api: FakeApi) -> None:
    cmd = switches.CreateSwitch(None, None)  # type: ignore[arg-type]
    parsed = cmd.get_parser("x").parse_args(["sw1", "--password",
                                             "pl41n-pw"])
    assert "pl41n-pw" not in repr(parsed)  # OSC logs run(<Namespace>)
    body = switches.switch_body(parsed, io.StringIO())
    assert body == {"password": "pl41n-pw"}
    assert type(body["password"]) is str


@pytest.mark.parametrize("key", ["password", "enable_secret",
                                 "ngs_PASSWORD", "passwd",
                                 "key_passphrase"])
def test_no_secrets_in_connection(api: FakeApi, key: str) -> None:
    error, _ = run_failing(switches.CreateSwitch,
                           ["sw1", "--connection", f"{key}=x"], api)
    assert "--password-prompt" in str(error)
    assert api.received == []


def test_connection_needs_key_value(api: FakeApi) -> None:
    with pytest.raises(SystemExit):
        run_command(switches.CreateSwitch, ["sw1", "--connection", "ip"],
                    api)


def test_a_leaking_server_is_not_echoed(api: FakeApi) -> None:
    leaky = copy.deepcopy(SWITCH)
    leaky["password"] = "leaked-pw"
    leaky["connection"]["ngs_secret_token"] = "leaked-token"
    leaky["connection"]["passwd"] = "leaked-passwd"
    leaky["connection"]["key_passphrase"] = "leaked-passphrase"
    api.add("GET", "/v1/switches/leaky", (200, leaky))
    api.add("GET", "/v1/switches", (200, {"switches": [leaky]}))
    for cmd, argv in ((switches.ShowSwitch, ["leaky"]),
                      (switches.ShowSwitch, ["leaky", "-f", "json"]),
                      (switches.ListSwitch, ["--long", "-f", "yaml"]),
                      (switches.ListSwitch, ["--long"])):
        out = run_command(cmd, argv, api).stdout
        assert "leaked" not in out
        assert "ip" in out


def test_show_table(api: FakeApi) -> None:
    api.add("GET", "/v1/switches/sw1", (200, SWITCH))
    out = run_command(switches.ShowSwitch, ["sw1"], api).stdout
    assert "| has_password     | True" in out
    assert "ip='192.0.2.10'" in out  # the connection, readable


def test_list(api: FakeApi) -> None:
    api.add("GET", "/v1/switches", (200, {"switches": [SWITCH]}))
    rows = run_command(switches.ListSwitch, ["-f", "json"], api).json()
    assert rows == [{"UUID": SWITCH["uuid"], "Name": "sw1",
                     "Driver": "generic_switch",
                     "Device Type": "netmiko_ovs_linux",
                     "Physical Network": "physnet1", "Source": "api"}]
    long_rows = run_command(switches.ListSwitch, ["--long", "-f", "json"],
                            api).json()
    assert long_rows[0]["Connection"] == SWITCH["connection"]
    assert long_rows[0]["Has Password"] is True


def test_list_forbidden(api: FakeApi) -> None:
    api.add("GET", "/v1/switches", fault(403, "Access was denied to "
                                              "esi_leap:switch:get"))
    error, out = run_failing(switches.ListSwitch, [], api)
    assert str(error) == ("Failed to list switches: Access was denied to "
                          "esi_leap:switch:get (HTTP 403)")
    assert out == ""


def test_set_sends_only_changes(api: FakeApi, password_file: str) -> None:
    run_command(switches.SetSwitch,
                ["sw1", "--physical-network", "physnet2", "--connection",
                 "ip=192.0.2.11", "--password-file", password_file], api)
    assert api.last().method == "PATCH"
    assert api.last().body == {"physical_network": "physnet2",
                               "connection": {"ip": "192.0.2.11"},
                               "password": "s3cr3t pass"}


def test_set_nothing(api: FakeApi) -> None:
    error, _ = run_failing(switches.SetSwitch, ["sw1"], api)
    assert "Nothing to change" in str(error)
    assert api.received == []


def test_set_config_switch_is_read_only(api: FakeApi) -> None:
    api.add("PATCH", "/v1/switches/fake1",
            fault(409, "Switch fake1 comes from the configuration file and "
                       "is read-only"))
    error, _ = run_failing(switches.SetSwitch,
                           ["fake1", "--device-type", "x"], api)
    assert str(error) == (
        "Failed to update switch fake1: Switch fake1 comes from the "
        "configuration file and is read-only (HTTP 409)")


def test_delete(api: FakeApi) -> None:
    api.add("DELETE", "/v1/switches/sw1", (204, ""))
    out = run_command(switches.DeleteSwitch, ["sw1"], api).stdout
    assert out == "Deleted switch sw1\n"


def test_secret_value_repr() -> None:
    value = switches.SecretValue("abc")
    assert repr(argparse.Namespace(p=value)) == "Namespace(p='******')"
    assert value == "abc"
