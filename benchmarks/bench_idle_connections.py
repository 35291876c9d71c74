"""Ordinary clients' latency while idle and slowloris connections are open.

For each setup the script starts the real server, opens ``--idle``
connections that send nothing and ``--slow`` connections that send one byte
of a request head every ``--interval`` seconds (reopened when the server
closes them), lets them settle, then runs ``--clients`` ordinary clients
that send ``GET /v1/nodes`` back to back for ``--seconds``, and prints
p50/p99/max of their latencies, with the same figures without the attack
for comparison. The first 5 s of requests warm the server up and are
not counted.

Setups (``--setups``, default all):

* ``embedded``: ``esi-leap`` with no configuration file (the embedded
  default: one API worker, HTTP basic auth as the demo owner);
* ``gunicorn``: ``gunicorn -c etc/esi-leap/gunicorn.conf.py`` (noauth),
  alone: it stalls, which is why the deployment guide puts nginx in front;
* ``gunicorn+nginx``: the same behind nginx with
  ``etc/nginx/esi-leap-api.conf`` (the documented deployment);
* ``uwsgi``: ``uwsgi --ini etc/esi-leap/uwsgi.ini`` (noauth).

Run from the source tree, in its virtualenv::

    python benchmarks/bench_idle_connections.py
    python benchmarks/bench_idle_connections.py --setups embedded --seconds 10

Every connection goes to 127.0.0.1 only. Not part of CI.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import launcher  # noqa: E402

from tests.integration import nginx  # noqa: E402
from tests.integration.slow_clients import SlowClients  # noqa: E402

BIN = pathlib.Path(sys.executable).parent
Target = tuple[int, dict[str, str]]


def _free_port() -> int:
    return launcher.free_port()


def _wait_healthy(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthcheck")
            if conn.getresponse().status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError("server did not become healthy")


@contextlib.contextmanager
def embedded() -> Iterator[Target]:
    with launcher.EsiLeapServer(command=[str(BIN / "esi-leap")]) as srv:
        owner = srv.creds["owner"]["password"]
        token = base64.b64encode(f"owner:{owner}".encode()).decode()
        yield srv.port, {"Authorization": f"Basic {token}"}


def _config(tmp: pathlib.Path) -> pathlib.Path:
    conf = tmp / "esi-leap.conf"
    conf.write_text(
        "[DEFAULT]\nauth_strategy = noauth\n"
        "[api]\ndefault_resource_type = standalone_node\n"
        f"[database]\nconnection = sqlite:///{tmp}/esi-leap.sqlite\n")
    subprocess.run([str(BIN / "esi-leap-dbsync"), "--config-file",
                    str(conf), "upgrade"], check=True, capture_output=True)
    return conf


@contextlib.contextmanager
def _process(cmd: list[str], env: dict[str, str], port: int,
             tmp: pathlib.Path) -> Iterator[Target]:
    with open(tmp / "server.log", "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log,
                                stderr=subprocess.STDOUT, cwd=tmp,
                                stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        _wait_healthy(port, proc)
        yield port, {"X-Project-Id": "p1", "X-Roles": "member"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@contextlib.contextmanager
def gunicorn() -> Iterator[Target]:
    with tempfile.TemporaryDirectory() as name:
        tmp, port = pathlib.Path(name), _free_port()
        env = dict(os.environ, ESI_LEAP_CONFIG_FILE=str(_config(tmp)),
                   ESI_LEAP_API_BIND=f"127.0.0.1:{port}")
        cmd = [str(BIN / "gunicorn"), "--config",
               str(REPO / "etc/esi-leap/gunicorn.conf.py")]
        with _process(cmd, env, port, tmp) as target:
            yield target


@contextlib.contextmanager
def gunicorn_nginx() -> Iterator[Target]:
    """gunicorn on loopback behind nginx with etc/nginx/esi-leap-api.conf."""
    with tempfile.TemporaryDirectory() as name:
        tmp, port, inner = pathlib.Path(name), _free_port(), _free_port()
        env = dict(os.environ, ESI_LEAP_CONFIG_FILE=str(_config(tmp)),
                   ESI_LEAP_API_BIND=f"127.0.0.1:{inner}")
        cmd = [str(BIN / "gunicorn"), "--config",
               str(REPO / "etc/esi-leap/gunicorn.conf.py")]
        with _process(cmd, env, inner, tmp) as (_, headers), \
                nginx.running_nginx(tmp / "nginx", port, inner):
            yield port, headers


@contextlib.contextmanager
def uwsgi() -> Iterator[Target]:
    with tempfile.TemporaryDirectory() as name:
        tmp, port = pathlib.Path(name), _free_port()
        home = tmp / "home"
        (home / ".esi-leap").mkdir(parents=True)
        (home / ".esi-leap" / "esi-leap.conf").write_text(
            _config(tmp).read_text())
        env = dict(os.environ, HOME=str(home),
                   ESI_LEAP_API_BIND=f"127.0.0.1:{port}")
        cmd = [str(BIN / "uwsgi"), "--ini",
               str(REPO / "etc/esi-leap/uwsgi.ini")]
        with _process(cmd, env, port, tmp) as target:
            yield target


SETUPS: dict[str, Callable[[], contextlib.AbstractContextManager[Target]]]
SETUPS = {"embedded": embedded, "gunicorn": gunicorn,
          "gunicorn+nginx": gunicorn_nginx, "uwsgi": uwsgi}


def _client(port: int, headers: dict[str, str], until: float,
            out: list[float], errors: list[str]) -> None:
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/v1/nodes", headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                errors.append(str(response.status))
                continue
        except (OSError, http.client.HTTPException) as exc:
            errors.append(type(exc).__name__)
            continue
        out.append(time.monotonic() - started)


def measure(target: Target, clients: int, seconds: float) -> str:
    port, headers = target
    latencies: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(
        port, headers, until, latencies, errors)) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if len(latencies) < 2:
        return f"{len(latencies)} requests, {len(errors)} errors"
    cuts = statistics.quantiles(latencies, n=100)
    return (f"{len(latencies)} requests, {len(errors)} errors, "
            f"p50 {cuts[49] * 1000:.0f} ms, p99 {cuts[98] * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setups", default=",".join(SETUPS))
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(f"{args.idle} idle + {args.slow} slow connections (a byte every "
          f"{args.interval:g} s), {args.clients} clients for "
          f"{args.seconds:g} s, {os.cpu_count()} CPUs")
    for name in args.setups.split(","):
        with SETUPS[name]() as target:
            measure(target, args.clients, 5)  # warm up (auth caches)
            quiet = measure(target, args.clients, args.seconds / 2)
            with SlowClients(target[0], args.idle, args.slow,
                             args.interval) as attack:
                time.sleep(args.interval + 1)
                loaded = measure(target, args.clients, args.seconds)
                reopened = attack.reopened
        print(f"{name:14s} quiet:  {quiet}")
        print(f"{name:14s} attack: {loaded} ({reopened} attack connections "
              "closed by the server and reopened)", flush=True)


if __name__ == "__main__":
    main()
