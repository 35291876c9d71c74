"""``esi-leap-status upgrade check``: each check's verdict and message.

The checks run against a real configuration (and, for the database and
registered switches, a real SQLite database); nothing is mocked.
"""

import json
import pathlib

import pytest
from oslo_policy import policy as oslo_policy
from oslo_upgradecheck import upgradecheck

from esi_leap.cmd import status
from esi_leap.conf import CONF
from esi_leap.db import api as db_api
from esi_leap.db import migration
from esi_leap.db import switches as db_switches
from tests import helpers

Code = upgradecheck.Code
CHECKS = status.Checks()


def _sqlite(tmp_path: pathlib.Path) -> str:
    return f"sqlite:///{tmp_path}/esi-leap.sqlite"


@pytest.fixture
def conf(tmp_path: pathlib.Path) -> pathlib.Path:
    """CONF on a not yet created SQLite database in ``tmp_path``."""
    helpers.configure(_sqlite(tmp_path))
    yield tmp_path
    db_api.reset()


def _load(tmp_path: pathlib.Path, text: str) -> None:
    """Parse a configuration file holding ``text`` into CONF."""
    path = tmp_path / "esi-leap.conf"
    path.write_text(f"[database]\nconnection = {_sqlite(tmp_path)}\n{text}")
    CONF(["--config-file", str(path)], project="esi-leap",
         default_config_files=[])
    db_api.reset()


# -- database -----------------------------------------------------------------

def test_missing_sqlite_file_fails_without_creating_it(
        conf: pathlib.Path) -> None:
    result = CHECKS._check_database()

    assert result.code == Code.FAILURE
    assert "does not exist" in str(result.details)
    assert "esi-leap-dbsync upgrade" in str(result.details)
    assert not (conf / "esi-leap.sqlite").exists()


def test_empty_database_fails(conf: pathlib.Path) -> None:
    (conf / "esi-leap.sqlite").touch()

    result = CHECKS._check_database()

    assert result.code == Code.FAILURE
    assert "empty" in str(result.details)


def test_database_behind_head_fails_and_names_both_revisions(
        conf: pathlib.Path) -> None:
    migration.upgrade(migration.ESI_LEAP_1_0)
    head = migration.head_revision()

    result = CHECKS._check_database()

    assert result.code == Code.FAILURE
    assert migration.ESI_LEAP_1_0 in str(result.details)
    assert str(head) in str(result.details)


def test_database_at_head_succeeds(conf: pathlib.Path) -> None:
    migration.upgrade()

    result = CHECKS._check_database()

    assert result.code == Code.SUCCESS
    assert str(migration.head_revision()) in str(result.details)


@pytest.mark.parametrize("current,expected", [
    (None, "empty"),
    ("11e06aea1af5", "ESI-Leap 1.0"),
    ("ffffffffffff", "newer esi-leap"),
])
def test_schema_verdicts(conf: pathlib.Path, current: str | None,
                         expected: str) -> None:
    result = status._schema_result(current, "e7a3c4d5b6f8")

    assert result.code == Code.FAILURE
    assert expected in str(result.details)


def test_unreachable_database_hides_the_password(
        conf: pathlib.Path) -> None:
    helpers.override("connection",
                     "mysql+pymysql://esi:s3cr3t-pw@127.0.0.1:1/esi",
                     group="database")
    db_api.reset()

    result = CHECKS._check_database()

    assert result.code == Code.FAILURE
    assert "Cannot read the database" in str(result.details)
    assert "s3cr3t-pw" not in str(result.details)


# -- policy -------------------------------------------------------------------

def _policy(tmp_path: pathlib.Path, text: str,
            name: str = "policy.yaml") -> None:
    oslo_policy.Enforcer(CONF)  # registers [oslo_policy]
    path = tmp_path / name
    path.write_text(text)
    helpers.override("policy_file", str(path), group="oslo_policy")


def test_no_policy_file_is_fine(conf: pathlib.Path) -> None:
    oslo_policy.Enforcer(CONF)  # default policy_file, found nowhere

    assert CHECKS._check_policy().code == Code.SUCCESS


def test_policy_file_set_but_missing_warns(conf: pathlib.Path) -> None:
    oslo_policy.Enforcer(CONF)
    helpers.override("policy_file", str(conf / "absent.yaml"),
                     group="oslo_policy")

    result = CHECKS._check_policy()

    assert result.code == Code.WARNING
    assert "absent.yaml" in str(result.details)


def test_policy_file_of_known_rules_succeeds(conf: pathlib.Path) -> None:
    _policy(conf, '"is_admin": "role:admin"\n'
                  '"esi_leap:offer:create": "rule:is_admin"\n')

    result = CHECKS._check_policy()

    assert result.code == Code.SUCCESS
    assert "2 rules" in str(result.details)


def test_policy_file_that_does_not_parse_fails(conf: pathlib.Path) -> None:
    _policy(conf, '"is_admin": [unclosed\n')

    result = CHECKS._check_policy()

    assert result.code == Code.FAILURE
    assert "cannot be read" in str(result.details)


def test_policy_file_that_is_not_a_mapping_fails(
        conf: pathlib.Path) -> None:
    _policy(conf, "- is_admin\n- role:admin\n")

    assert CHECKS._check_policy().code == Code.FAILURE


def test_policy_rules_that_no_longer_exist_warn(conf: pathlib.Path) -> None:
    _policy(conf, '"esi_leap:contract:get": "rule:is_admin"\n'
                  '"my_alias": "role:admin"\n'
                  '"esi_leap:offer:get": "rule:my_alias"\n')

    result = CHECKS._check_policy()

    assert result.code == Code.WARNING
    assert "esi_leap:contract:get" in str(result.details)
    # An alias other rules use is not stale.
    assert "my_alias" not in str(result.details)


def test_policy_reference_to_an_undefined_rule_fails(
        conf: pathlib.Path) -> None:
    _policy(conf, '"esi_leap:offer:get": "rule:nobody_defines_me or '
                  'rule:is_admin"\n')

    result = CHECKS._check_policy()

    assert result.code == Code.FAILURE
    assert "nobody_defines_me" in str(result.details)


def test_json_policy_file_warns(conf: pathlib.Path) -> None:
    _policy(conf, json.dumps({"is_admin": "role:admin"}), "policy.json")

    result = CHECKS._check_policy()

    assert result.code == Code.WARNING
    assert "JSON" in str(result.details)


# -- networking and switches --------------------------------------------------

def test_valid_networking_succeeds(conf: pathlib.Path) -> None:
    helpers.override("vlan_ranges", ["physnet1:100:199"], group="networking")
    helpers.override("quarantine_vlans", ["physnet1:3"], group="networking")

    result = CHECKS._check_networking()

    assert result.code == Code.SUCCESS
    assert "physnet1" in str(result.details)


def test_malformed_networking_fails_naming_the_entry(
        conf: pathlib.Path) -> None:
    helpers.override("vlan_ranges", ["physnet1:300:100"], group="networking")

    result = CHECKS._check_networking()

    assert result.code == Code.FAILURE
    assert "vlan_ranges" in str(result.details)


def test_configured_switches_with_installed_drivers_succeed(
        tmp_path: pathlib.Path) -> None:
    _load(tmp_path, "[switch:leaf1]\ndriver = fake\n"
                    "[switch:leaf2]\ndriver = generic_switch\n"
                    "device_type = netmiko_ovs_linux\n")

    result = CHECKS._check_switch_drivers()

    assert result.code == Code.SUCCESS, result.details
    assert "2 switches" in str(result.details)


def test_switch_with_a_missing_driver_fails(tmp_path: pathlib.Path) -> None:
    _load(tmp_path, "[switch:leaf1]\ndriver = fake\n"
                    "[switch:spine9]\ndriver = no_such_driver\n"
                    "password = top-secret\n")

    result = CHECKS._check_switch_drivers()

    assert result.code == Code.FAILURE
    assert "spine9" in str(result.details)
    assert "no_such_driver" in str(result.details)
    assert "leaf1" not in str(result.details)
    assert "top-secret" not in str(result.details)


def test_generic_switch_without_device_type_fails(
        tmp_path: pathlib.Path) -> None:
    _load(tmp_path, "[switch:leaf1]\ndriver = generic_switch\n")

    result = CHECKS._check_switch_drivers()

    assert result.code == Code.FAILURE
    assert "device_type" in str(result.details)


def test_registered_switch_with_a_missing_driver_fails(
        database: str) -> None:
    db_switches.switch_create({"uuid": "5d8d7a4e-0c1a-4a43-9a52-2b1a8f0a0c01",
                               "name": "api-switch",
                               "driver": "vanished_driver"})

    result = CHECKS._check_switch_drivers()

    assert result.code == Code.FAILURE
    assert "api-switch" in str(result.details)


# -- authentication and audits ------------------------------------------------

@pytest.mark.parametrize("strategy,code", [
    ("keystone", Code.SUCCESS),
    ("noauth", Code.WARNING),
])
def test_auth_strategy(conf: pathlib.Path, strategy: str,
                       code: Code) -> None:
    helpers.override("auth_strategy", strategy)

    result = CHECKS._check_auth()

    assert result.code == code
    assert strategy in str(result.details)


def test_auth_disabled_the_old_way_warns(conf: pathlib.Path) -> None:
    helpers.override("auth_enable", False, group="pecan")

    result = CHECKS._check_auth()

    assert result.code == Code.WARNING
    assert "auth_enable" in str(result.details)


def test_http_basic_without_users_file_fails(conf: pathlib.Path) -> None:
    helpers.override("auth_strategy", "http_basic")
    helpers.override("http_basic_auth_user_file", str(conf / "missing"))

    result = CHECKS._check_auth()

    assert result.code == Code.FAILURE
    assert "missing" in str(result.details)


@pytest.mark.parametrize("interval,history_days,code,words", [
    (3600, 30, Code.SUCCESS, "3600"),
    (0, 30, Code.WARNING, "off"),
    (60, 30, Code.WARNING, "300"),
    (3 * 86400, 1, Code.WARNING, "history_days"),
])
def test_audit_interval(conf: pathlib.Path, interval: int,
                        history_days: int, code: Code, words: str) -> None:
    helpers.override("interval", interval, group="audit")
    helpers.override("history_days", history_days, group="audit")

    result = CHECKS._check_audit_interval()

    assert result.code == code
    assert words in str(result.details)


# -- the whole command --------------------------------------------------------

def test_a_check_that_breaks_becomes_a_failure(conf: pathlib.Path) -> None:
    def broken(self: status.Checks) -> upgradecheck.Result:
        raise RuntimeError("boom")

    result = status._guarded(broken)(CHECKS)

    assert result.code == Code.FAILURE
    assert "RuntimeError: boom" in str(result.details)


def test_every_check_has_a_name_and_runs(database: str) -> None:
    names = [name for name, _ in status.Checks._upgrade_checks]

    assert len(names) == len(set(names)) == 7
    for _, check in status.Checks._upgrade_checks:
        assert check(CHECKS).code in set(Code)
