"""The documented gunicorn and uWSGI deployments survive idle and slow
clients.

* uWSGI with ``etc/esi-leap/uwsgi.ini`` (its event-driven HTTP router in
  front of the workers);
* gunicorn with ``etc/esi-leap/gunicorn.conf.py`` on loopback behind nginx
  with ``etc/nginx/esi-leap-api.conf``.

Each gets 100 connections that send nothing and 100 that send a request
head one byte a second, and ordinary requests still answer, each within a
few seconds (generous: ``benchmarks/bench_idle_connections.py`` measures
the figures).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import pathlib
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests import helpers
from tests.integration import nginx
from tests.integration import server
from tests.integration import slow_clients

pytestmark = pytest.mark.integration

REPO = pathlib.Path(__file__).resolve().parents[2]
ANSWER_WITHIN = 5.0
HEADERS = {"X-Project-Id": "p1", "X-Roles": "member"}



def _config(tmp: pathlib.Path) -> pathlib.Path:
    conf = tmp / "esi-leap.conf"
    conf.write_text(
        "[DEFAULT]\nauth_strategy = noauth\n"
        "[api]\ndefault_resource_type = standalone_node\n"
        f"[database]\nconnection = sqlite:///{tmp}/esi-leap.sqlite\n")
    subprocess.run([server.installed_script("esi-leap-dbsync"),
                    "--config-file", str(conf),
                    "upgrade"], check=True, capture_output=True, timeout=120,
                   stdin=subprocess.DEVNULL)
    return conf


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/healthcheck", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


@contextlib.contextmanager
def _serving(cmd: list[str], env: dict[str, str], port: int,
             log: pathlib.Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, cwd=log.parent,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        server.wait_until(lambda: proc.poll() is not None or _healthy(port),
                          90, what="a healthy API")
        assert proc.poll() is None, log.read_text()[-3000:]
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _timed_get(port: int) -> tuple[int, float]:
    started = time.monotonic()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/nodes",
                                 headers=HEADERS)
    with urllib.request.urlopen(req, timeout=30) as resp:
        status = resp.status
    return status, time.monotonic() - started


def _assert_answers_under_attack(port: int) -> None:
    with slow_clients.SlowClients(port, idle=100, slow=100, interval=1.0):
        time.sleep(2)
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: _timed_get(port), range(40)))
    assert [s for s, _ in results] == [200] * 40
    slowest = sorted(t for _, t in results)[-5:]
    assert slowest[-1] < ANSWER_WITHIN, slowest


def test_uwsgi_router_keeps_answering(tmp_path: pathlib.Path) -> None:
    uwsgi = server.installed_script("uwsgi")
    if pathlib.Path("/etc/esi-leap/esi-leap.conf").exists():
        pytest.skip("/etc/esi-leap/esi-leap.conf exists and would be read "
                    "after the test's configuration")
    home = tmp_path / "home"
    (home / ".esi-leap").mkdir(parents=True)
    shutil.copy(_config(tmp_path), home / ".esi-leap" / "esi-leap.conf")
    port = server.free_port()
    env = dict(os.environ, HOME=str(home),
               ESI_LEAP_API_BIND=f"127.0.0.1:{port}")
    cmd = [uwsgi, "--ini", str(REPO / "etc/esi-leap/uwsgi.ini"),
           "--processes", "2", "--threads", "4"]
    with _serving(cmd, env, port, tmp_path / "uwsgi.log"):
        _assert_answers_under_attack(port)


def test_gunicorn_behind_nginx_keeps_answering(
        tmp_path: pathlib.Path) -> None:
    gunicorn = server.installed_script("gunicorn")
    if nginx.executable() is None:
        helpers.skip_or_fail("nginx is not installed "
                             "(tools/install-lab-packages.sh installs it)")
    port, inner = server.free_port(), server.free_port()
    env = dict(os.environ, ESI_LEAP_CONFIG_FILE=str(_config(tmp_path)),
               ESI_LEAP_API_BIND=f"127.0.0.1:{inner}",
               ESI_LEAP_API_WORKERS="2", ESI_LEAP_API_THREADS="4")
    cmd = [gunicorn, "--config", str(REPO / "etc/esi-leap/gunicorn.conf.py")]
    with _serving(cmd, env, inner, tmp_path / "gunicorn.log"), \
            nginx.running_nginx(tmp_path / "nginx", port, inner):
        _assert_answers_under_attack(port)
