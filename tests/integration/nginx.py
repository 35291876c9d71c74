"""Run nginx with the example site ``etc/nginx/esi-leap-api.conf``.

:func:`running_nginx` writes a minimal main configuration in a temporary
prefix that includes the example, with its ports replaced (public
``listen 7777`` -> ``port``, upstream ``127.0.0.1:7778`` -> ``upstream``),
starts ``nginx`` in the foreground and stops it on exit.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

REPO = pathlib.Path(__file__).resolve().parents[2]
SITE = REPO / "etc" / "nginx" / "esi-leap-api.conf"

MAIN = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    include {prefix}/site.conf;
}}
"""


def executable() -> str | None:
    """The nginx binary, or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def site_config(port: int, upstream: int) -> str:
    """The example site with the test's ports."""
    text = SITE.read_text()
    assert "listen 7777;" in text and "127.0.0.1:7778" in text
    return (text.replace("listen 7777;", f"listen 127.0.0.1:{port};")
            .replace("127.0.0.1:7778", f"127.0.0.1:{upstream}"))


@contextlib.contextmanager
def running_nginx(prefix: pathlib.Path, port: int, upstream: int
                  ) -> Iterator[subprocess.Popen[bytes]]:
    """nginx on ``127.0.0.1:port`` proxying to ``127.0.0.1:upstream``."""
    binary = executable()
    assert binary is not None, "nginx is not installed"
    prefix.mkdir(parents=True, exist_ok=True)
    (prefix / "site.conf").write_text(site_config(port, upstream))
    user = "user root;" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(MAIN.format(prefix=prefix, user=user))
    with open(prefix / "stdout.log", "wb") as out:
        proc = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf")],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_listening(port, proc, prefix)
        yield proc
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_listening(port: int, proc: subprocess.Popen[bytes],
                    prefix: pathlib.Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("nginx exited: "
                               + (prefix / "error.log").read_text())
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("nginx did not listen within 15 s")
