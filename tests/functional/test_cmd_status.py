"""The real ``esi-leap-status upgrade check`` command, before and after
``esi-leap-dbsync upgrade``, with oslo.upgradecheck's exit codes: 0 all
passed, 1 a warning, 2 a failure."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

import pytest


def _script(name: str) -> str:
    found = (shutil.which(name, path=os.path.dirname(sys.executable))
             or shutil.which(name))
    assert found, f"the {name} console script is not installed"
    return found


def _run(name: str, conf: pathlib.Path, *args: str
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_script(name), "--config-file", str(conf),
                           *args], capture_output=True, text=True,
                          timeout=120, check=False, stdin=subprocess.DEVNULL)


def _config(tmp_path: pathlib.Path, extra: str = "") -> pathlib.Path:
    conf = tmp_path / "esi-leap.conf"
    conf.write_text(
        "[DEFAULT]\nauth_strategy = keystone\n" + extra +
        f"\n[database]\nconnection = sqlite:///{tmp_path}/esi-leap.sqlite\n")
    return conf


def _check(conf: pathlib.Path) -> tuple[int, dict[str, int], str]:
    """Exit code, each check's code, and the details, from --json."""
    done = _run("esi-leap-status", conf, "upgrade", "check", "--json")
    report = json.loads(done.stdout)
    codes = {c["check"]: c["result"] for c in report["checks"]}
    details = " ".join(str(c["details"]) for c in report["checks"])
    return done.returncode, codes, details


def test_fails_before_dbsync_upgrade_and_passes_after(
        tmp_path: pathlib.Path) -> None:
    conf = _config(tmp_path)

    code, codes, details = _check(conf)
    assert code == 2
    assert codes["Database schema"] == 2
    assert "esi-leap-dbsync upgrade" in details
    assert set(codes.values()) == {0, 2}

    upgraded = _run("esi-leap-dbsync", conf, "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr

    code, codes, _ = _check(conf)
    assert code == 0
    assert set(codes.values()) == {0}


def test_table_output_names_every_check(tmp_path: pathlib.Path) -> None:
    conf = _config(tmp_path)
    assert _run("esi-leap-dbsync", conf, "upgrade").returncode == 0

    done = _run("esi-leap-status", conf, "upgrade", "check")

    assert done.returncode == 0
    for name in ("Database schema", "Policy file", "Networking options",
                 "Switch drivers", "Authentication", "Periodic audits"):
        assert f"Check: {name}" in done.stdout


def test_noauth_is_a_warning(tmp_path: pathlib.Path) -> None:
    conf = _config(tmp_path)
    assert _run("esi-leap-dbsync", conf, "upgrade").returncode == 0
    conf.write_text(conf.read_text().replace("keystone", "noauth"))

    code, codes, details = _check(conf)

    assert code == 1
    assert codes["Authentication"] == 1
    assert "noauth" in details


@pytest.mark.parametrize("extra,check", [
    ("[networking]\nvlan_ranges = physnet1:900:100\n",
     "Networking options"),
    ("[switch:leaf1]\ndriver = not_installed\n", "Switch drivers"),
])
def test_bad_configuration_is_a_failure(tmp_path: pathlib.Path, extra: str,
                                        check: str) -> None:
    conf = _config(tmp_path)
    assert _run("esi-leap-dbsync", conf, "upgrade").returncode == 0
    conf.write_text(conf.read_text() + extra)

    code, codes, _ = _check(conf)

    assert code == 2
    assert codes[check] == 2
    assert codes["Database schema"] == 0


def test_resource_types_open_offers_on_a_disabled_type_and_unsafe_dirs(
        tmp_path: pathlib.Path) -> None:
    import sqlalchemy as sa
    conf = _config(tmp_path)
    assert _run("esi-leap-dbsync", conf, "upgrade").returncode == 0
    engine = sa.create_engine(f"sqlite:///{tmp_path}/esi-leap.sqlite")
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO offers (uuid, project_id, resource_type, "
            "resource_uuid, status, created_at) VALUES ('o1', 'p1', "
            "'dummy_node', 'n1', 'available', '2026-01-01 00:00:00')"))
    engine.dispose()
    code, codes, details = _check(conf)
    assert (code, codes["Resource types"]) == (1, 1)
    assert "1 on dummy_node" in details

    nodes = tmp_path / "nodes"
    nodes.mkdir()
    nodes.chmod(0o777)
    unsafe = _config(tmp_path, "[api]\nenabled_resource_types = "
                     "ironic_node,dummy_node\n[dummy_node]\n"
                     f"dummy_node_dir = {nodes}\n")
    code, codes, details = _check(unsafe)
    assert (code, codes["Resource types"]) == (2, 2)
    assert "writable by group or others" in details
