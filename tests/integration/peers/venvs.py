"""Cached virtualenvs for the test peers (Keystone, Ironic).

Each peer gets its own venv, installed from PyPI with pip and pinned by a
constraints file committed in ``constraints/``. A venv is cached under
``${ESI_LEAP_PEER_CACHE:-~/.cache/esi-leap/peers}/<name>-<hash>``, where
the hash covers the requirements, the constraints file and the Python
version, so changing a pin builds a new venv next to the old one.

Creation is guarded by a lock file (``<name>-<hash>.lock``, ``flock``) so
parallel test runs build a venv once; the venv is built in a temporary
directory and renamed into place only when pip succeeded, so a half-done
install is never reused. Console-script shebangs are rewritten to the
final path before the rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path

CONSTRAINTS_DIR = Path(__file__).parent / "constraints"
COMPLETE_MARKER = ".esi-leap-complete"
PIP_TIMEOUT = 900.0


class PeerInstallError(RuntimeError):
    """A peer's venv could not be built (usually: no network)."""


def cache_root() -> Path:
    """The directory holding the cached venvs and data templates."""
    configured = os.environ.get("ESI_LEAP_PEER_CACHE")
    if configured:
        return Path(configured).expanduser()
    return Path("~/.cache/esi-leap/peers").expanduser()


def fingerprint(*parts: bytes | str) -> str:
    """A short stable hash of ``parts`` plus the Python version."""
    digest = hashlib.sha256()
    digest.update(f"py{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for part in parts:
        digest.update(b"\0")
        digest.update(part.encode() if isinstance(part, str) else part)
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _base_python() -> str:
    """The interpreter to build venvs with (the base of ours, if any)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    return base if os.path.exists(base) else sys.executable


def _fix_paths(venv: Path, old: str, new: str) -> None:
    """Rewrite ``old`` to ``new`` in the venv's scripts and config."""
    candidates = [venv / "pyvenv.cfg"]
    candidates += [p for p in (venv / "bin").iterdir()
                   if p.is_file() and not p.is_symlink()]
    for path in candidates:
        data = path.read_bytes()
        if b"\0" in data or old.encode() not in data:
            continue
        path.write_bytes(data.replace(old.encode(), new.encode()))


def _run_pip(python: Path, args: Sequence[str], log: Path) -> None:
    cmd = [str(python), "-m", "pip", "install", "--quiet", "--no-compile",
           "--disable-pip-version-check", *args]
    with open(log, "ab") as out:
        try:
            proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                  timeout=PIP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise PeerInstallError(f"pip timed out: {cmd}") from exc
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-1500:]
        raise PeerInstallError(
            f"pip install {' '.join(args)} failed (rc {proc.returncode}); "
            f"log {log}:\n{tail}")


def ensure_venv(name: str, requirements: Sequence[str],
                constraints: str) -> Path:
    """Return a cached venv with ``requirements`` installed under the
    constraints file ``constraints/<constraints>``; build it if needed.

    :raises PeerInstallError: pip failed (for example without network).
    """
    pins = CONSTRAINTS_DIR / constraints
    key = fingerprint("\n".join(requirements), pins.read_bytes())
    root = cache_root()
    final = root / f"{name}-{key}"
    if (final / COMPLETE_MARKER).exists():
        return final
    with locked(root / f"{name}-{key}.lock"):
        if (final / COMPLETE_MARKER).exists():
            return final
        if final.exists():
            shutil.rmtree(final)
        building = root / f"{name}-{key}.building-{os.getpid()}"
        shutil.rmtree(building, ignore_errors=True)
        log = root / f"{name}-{key}.pip.log"
        log.unlink(missing_ok=True)
        try:
            _build(building, requirements, pins, log)
            _fix_paths(building, str(building), str(final))
            (building / COMPLETE_MARKER).write_text("ok\n")
            os.rename(building, final)
        finally:
            shutil.rmtree(building, ignore_errors=True)
    return final


def _build(target: Path, requirements: Sequence[str], pins: Path,
           log: Path) -> None:
    try:
        subprocess.run([_base_python(), "-m", "venv", str(target)],
                       check=True, capture_output=True, timeout=300)
    except (subprocess.CalledProcessError,
            subprocess.TimeoutExpired) as exc:
        raise PeerInstallError(f"python -m venv {target} failed: {exc}"
                               ) from exc
    _run_pip(target / "bin" / "python",
             ["-c", str(pins), *requirements], log)
