"""The example deployment files, exercised for real.

* gunicorn with ``etc/esi-leap/gunicorn.conf.py`` serves the real API
  (factory ``esi_leap.api.wsgi:initialize_wsgi_app``) on SQLite and stops
  cleanly on SIGTERM; uWSGI with ``etc/esi-leap/uwsgi.ini`` likewise, when
  uWSGI is installed.
* ``esi-leap-manager`` finishes the work in flight (an audit of a slow
  fake switch) after SIGTERM, logs it, and exits 0.
* ``systemd-analyze verify`` accepts the units in ``etc/systemd``
  (``tools/install-lab-packages.sh`` installs it; it needs no running
  systemd).
"""

import contextlib
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from tests import helpers
from tests.integration import server

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent
STARTUP_TIMEOUT = 90
STOP_TIMEOUT = 60

pytestmark = pytest.mark.integration



def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _migrated_config(tmp_path: pathlib.Path, extra: str = "") -> pathlib.Path:
    """An esi-leap.conf on a new SQLite database, migrated to head."""
    conf = tmp_path / "esi-leap.conf"
    conf.write_text(
        "[DEFAULT]\nauth_strategy = noauth\n"
        f"http_basic_auth_user_file = {tmp_path}/htpasswd\n"
        "[api]\ndefault_resource_type = standalone_node\n"
        f"[database]\nconnection = sqlite:///{tmp_path}/esi-leap.sqlite\n"
        + extra)
    done = subprocess.run(
        [server.installed_script("esi-leap-dbsync"), "--config-file",
         str(conf), "upgrade"],
        capture_output=True, text=True, timeout=120, check=False,
        stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return conf


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_until_serving(proc: subprocess.Popen[bytes], base: str,
                        log: pathlib.Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n"
                        f"{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            if _get(f"{base}/healthcheck")[0] == 200:
                return
        time.sleep(0.5)
    pytest.fail(f"server did not answer in {STARTUP_TIMEOUT} s:\n"
                f"{log.read_text()[-3000:]}")


def _wait_for(condition: Callable[[], bool], log: pathlib.Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.2)


@contextlib.contextmanager
def _running(cmd: list[str], env: dict[str, str], log: pathlib.Path
             ) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``cmd`` (output to ``log``); kill it if the test left it."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env,
                                cwd=str(log.parent), start_new_session=True)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=STOP_TIMEOUT)


def _assert_real_api(base: str) -> None:
    status, body = _get(f"{base}/healthcheck")
    assert status == 200
    status, body = _get(f"{base}/v1")
    # ESI-Leap answers its version document with 300 Multiple Choices.
    assert status == 300
    assert [v["id"] for v in json.loads(body)["versions"]] == ["v1.0"]
    # A protected path: noauth still needs a caller, so the real
    # authentication middleware answers 401.
    status, _ = _get(f"{base}/v1/leases")
    assert status == 401


def test_gunicorn_serves_the_api_with_the_example_config(
        tmp_path: pathlib.Path) -> None:
    gunicorn = server.installed_script("gunicorn")
    conf = _migrated_config(tmp_path)
    port = _free_port()
    env = dict(os.environ, ESI_LEAP_CONFIG_FILE=str(conf),
               ESI_LEAP_API_BIND=f"127.0.0.1:{port}",
               ESI_LEAP_API_WORKERS="2", ESI_LEAP_API_THREADS="2")
    log = tmp_path / "gunicorn.log"
    cmd = [gunicorn, "--config", str(REPO / "etc/esi-leap/gunicorn.conf.py")]

    with _running(cmd, env, log) as proc:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(proc, base, log)
        _assert_real_api(base)

        assert _stop(proc) == 0
    text = log.read_text()
    assert "Booting worker" in text
    assert "Shutting down: Master" in text


def test_uwsgi_serves_the_api_with_the_example_config(
        tmp_path: pathlib.Path) -> None:
    # test-requirements (pip builds it with cc)
    uwsgi = server.installed_script("uwsgi")
    if pathlib.Path("/etc/esi-leap/esi-leap.conf").exists():
        helpers.skip_or_fail("/etc/esi-leap/esi-leap.conf exists and would "
                             "be read after the test's configuration")
    home = tmp_path / "home"
    (home / ".esi-leap").mkdir(parents=True)
    conf = _migrated_config(tmp_path)
    shutil.copy(conf, home / ".esi-leap" / "esi-leap.conf")
    port = _free_port()
    env = dict(os.environ, HOME=str(home),
               ESI_LEAP_API_BIND=f"127.0.0.1:{port}")
    log = tmp_path / "uwsgi.log"
    cmd = [uwsgi, "--ini", str(REPO / "etc/esi-leap/uwsgi.ini"),
           "--processes", "2", "--threads", "2"]

    with _running(cmd, env, log) as proc:
        base = f"http://127.0.0.1:{port}"
        _wait_until_serving(proc, base, log)
        _assert_real_api(base)
        # uWSGI loses a SIGTERM that comes while a lazy worker is still
        # building the application: wait for both.
        _wait_for(lambda: log.read_text().count("WSGI app 0") >= 2, log)

        assert _stop(proc) == 0
    assert "goodbye to uWSGI" in log.read_text()


def _audit_statuses(conf_db: str) -> list[str]:
    engine = sa.create_engine(conf_db)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.exec_driver_sql(
                "SELECT status FROM audits")]
    finally:
        engine.dispose()


def test_manager_finishes_its_work_on_sigterm_and_exits_0(
        tmp_path: pathlib.Path) -> None:
    # A periodic audit is due at once; reading the fake switch back takes
    # SESSION_DELAY seconds, so it is in flight when SIGTERM comes.
    session_delay = 5
    conf = _migrated_config(tmp_path, (
        "[audit]\ninterval = 3600\n"
        "[switch:slow]\ndriver = fake\n"
        f"options = session_delay:{session_delay}\n"))
    db_url = f"sqlite:///{tmp_path}/esi-leap.sqlite"
    log = tmp_path / "manager.log"
    cmd = [server.installed_script("esi-leap-manager"), "--config-file",
           str(conf)]

    with _running(cmd, dict(os.environ), log) as proc:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while "running" not in _audit_statuses(db_url):
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        signalled = time.monotonic()

        code = _stop(proc)
        took = time.monotonic() - signalled

    text = log.read_text()
    assert code == 0, text
    assert _audit_statuses(db_url) == ["done"]
    received = text.index("Received SIGTERM; finishing the work in progress")
    finished = text.index("Audit ", received)
    stopped = text.index("stopped gracefully", finished)
    assert received < finished < stopped
    assert " done: " in text[finished:stopped]
    # It waited for the audit (not killed), but not for another pass.
    assert took < session_delay + 30


def test_systemd_units_verify(tmp_path: pathlib.Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        helpers.skip_or_fail("systemd-analyze is not installed (package "
                             "systemd); the units are not verified")
    units = sorted((REPO / "etc/systemd").iterdir())
    assert {u.name for u in units} >= {
        "esi-leap-api.service", "esi-leap-manager.service",
        "esi-leap-serial-console-proxy.service"}
    # verify checks that ExecStart's program exists: point the units at
    # this virtualenv's scripts instead of /usr/local/bin.
    for unit in units:
        text = unit.read_text().replace("/usr/local/bin/", f"{BIN}/")
        (tmp_path / unit.name).write_text(text)
    if not (BIN / "gunicorn").exists():
        helpers.skip_or_fail("gunicorn is not installed")

    done = subprocess.run(
        [analyze, "verify", *[str(tmp_path / u.name) for u in units]],
        capture_output=True, text=True, timeout=120, check=False,
        stdin=subprocess.DEVNULL)

    assert done.returncode == 0, done.stderr
    # Unknown keys and bad values are only warnings: none allowed.
    assert done.stderr.strip() == "", done.stderr
