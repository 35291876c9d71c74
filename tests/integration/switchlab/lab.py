"""A private Open vSwitch reached over SSH, with nodes in namespaces.

See the package docstring (:mod:`tests.integration.switchlab`) for the
interface. Everything a lab creates carries its run's prefix and is
removed by :meth:`SwitchLab.close`, which is idempotent and also runs at
interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import ipaddress
import json
import os
import secrets
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: The quarantine VLAN labs use unless told otherwise.
QUARANTINE_VLAN = 999
#: Node names the ``switch_lab`` fixture creates unless told otherwise.
DEFAULT_NODES = ("n1", "n2", "n3", "n4")

OVS_SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")
SSHD = "/usr/sbin/sshd"
BINARIES = ("ip", "ping", "ssh-keygen", SSHD, "ovsdb-tool", "ovsdb-server",
            "ovs-vswitchd", "ovs-vsctl", "ovs-appctl")
FRAMES_TOOL = Path(__file__).with_name("frames.py")
NODE_NIC = "eth0"
PORT_PREFIX = "p-"
MAX_IFNAME = 15
COMMAND_TIMEOUT = 30.0

RUN_SSHD = Path("/run/sshd")
LAB_MARKERS = Path("/run/esi-leap-switchlab")
CREATED_RUN_SSHD = LAB_MARKERS / "created-run-sshd"


def _search_path() -> str:
    """``$PATH`` plus the sbin directories (root's tools live there even
    when the caller's ``PATH`` lacks them)."""
    parts = os.environ.get("PATH", "").split(os.pathsep)
    extra = [d for d in ("/usr/local/sbin", "/usr/sbin", "/sbin")
             if d not in parts]
    return os.pathsep.join([p for p in parts if p] + extra)


class LabError(Exception):
    """A lab command failed; the message has the command and its stderr."""


def missing_prerequisites() -> list[str]:
    """What this machine lacks to run a lab (empty when all is there)."""
    missing = [] if os.geteuid() == 0 else ["root privileges"]
    missing += [name for name in BINARIES
                if shutil.which(name, path=_search_path()) is None]
    if not OVS_SCHEMA.exists():
        missing.append(str(OVS_SCHEMA))
    return missing


@dataclasses.dataclass(frozen=True)
class Node:
    """A host: a namespace whose ``eth0`` is wired to switch port ``port``."""

    name: str
    namespace: str
    port: str
    ip: str


@dataclasses.dataclass(frozen=True)
class PortReadback:
    """A port's VLAN columns as ``ovs-vsctl`` reports them."""

    name: str
    tag: int | None
    vlan_mode: str | None
    trunks: frozenset[int]

    @property
    def effective_mode(self) -> str:
        """The mode OVS applies: an unset mode means access when the port
        has a tag, trunk otherwise."""
        if self.vlan_mode:
            return self.vlan_mode
        return "access" if self.tag is not None else "trunk"

    @property
    def carries_all_vlans(self) -> bool:
        """True when OVS lets the port send and receive every VLAN (a
        trunk-like mode with an empty ``trunks`` list)."""
        return self.effective_mode != "access" and not self.trunks


def _ovsdb_value(value: Any) -> list[Any]:
    """An OVSDB JSON column as a list of atoms (sets are ``["set", [..]]``,
    one-element sets are the bare atom)."""
    if isinstance(value, list) and len(value) == 2 and value[0] == "set":
        return list(value[1])
    return [value]


def _process_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper is dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@contextlib.contextmanager
def _markers_locked() -> Iterator[None]:
    LAB_MARKERS.mkdir(mode=0o755, exist_ok=True)
    with open(LAB_MARKERS / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _claim_run_sshd(prefix: str) -> None:
    """Make sure ``/run/sshd`` exists; remember if a lab created it."""
    with _markers_locked():
        if not RUN_SSHD.exists():
            RUN_SSHD.mkdir(mode=0o755)
            CREATED_RUN_SSHD.touch()
        (LAB_MARKERS / f"{prefix}.user").write_text(str(os.getpid()))


def _release_run_sshd(prefix: str) -> None:
    """Drop this lab's claim; the last live lab removes what labs created."""
    if not LAB_MARKERS.exists():
        return
    with _markers_locked():
        (LAB_MARKERS / f"{prefix}.user").unlink(missing_ok=True)
        for marker in LAB_MARKERS.glob("*.user"):
            with contextlib.suppress(ValueError, OSError):
                if _process_alive(int(marker.read_text())):
                    return
            marker.unlink(missing_ok=True)
        if CREATED_RUN_SSHD.exists():
            with contextlib.suppress(OSError):
                RUN_SSHD.rmdir()
            CREATED_RUN_SSHD.unlink()
        (LAB_MARKERS / "lock").unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        LAB_MARKERS.rmdir()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(predicate: Callable[[], bool], timeout: float,
              what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise LabError(f"timed out waiting for {what}")
        time.sleep(0.05)


class SwitchLab:
    """One private Open vSwitch (userspace datapath) behind a private sshd.

    ``ovsdb-server`` and ``ovs-vswitchd`` run with their own run, db and
    log directories under a temporary directory; ``ovs-vswitchd`` lives in
    its own network namespace (``<prefix>-sw``), so its bridge, its
    ``ovs-netdev`` device and the switch ends of the node veths never touch
    the host's interfaces. ``sshd`` listens on a free 127.0.0.1 port, lets
    root in with the lab's key only, and sets ``OVS_RUNDIR`` so that
    ``ovs-vsctl`` in an SSH session drives this switch.
    """

    def __init__(self, quarantine_vlan: int = QUARANTINE_VLAN,
                 bridge: str = "br-lab") -> None:
        self.quarantine_vlan = quarantine_vlan
        self.bridge = bridge
        self.prefix = "swl" + secrets.token_hex(3)
        self.subnet = ipaddress.IPv4Network(
            f"10.231.{secrets.randbelow(254) + 1}.0/24")
        self.switch_namespace = f"{self.prefix}-sw"
        self.nodes: dict[str, Node] = {}
        self.ssh_port = 0
        self.workdir: Path | None = None
        self._namespaces: list[str] = []
        self._claimed_run_sshd = False
        self._closed = False

    # -- life cycle -------------------------------------------------------

    def __enter__(self) -> SwitchLab:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def start(self) -> SwitchLab:
        """Start the switch and sshd; on failure undo everything."""
        atexit.register(self.close)
        try:
            self.workdir = Path(tempfile.mkdtemp(prefix=f"{self.prefix}-"))
            for sub in ("run", "db", "log", "ssh"):
                (self.workdir / sub).mkdir()
            self._start_ovs()
            self._prepare_ssh()
            self.start_sshd()
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Remove every namespace, veth, process and file of this lab."""
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self.close)
        self.stop_sshd()
        for namespace in reversed(self._namespaces):
            self._run(["ip", "netns", "del", namespace], check=False)
        self._namespaces.clear()
        if self.workdir is not None:
            run = self.workdir / "run"
            self._stop_daemon(run / "ovs-vswitchd.pid")
            self._stop_daemon(run / "ovsdb-server.pid")
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._claimed_run_sshd:
            _release_run_sshd(self.prefix)
            self._claimed_run_sshd = False

    # -- commands ---------------------------------------------------------

    @property
    def ovs_env(self) -> dict[str, str]:
        """Environment that points the OVS tools at this lab's switch."""
        assert self.workdir is not None, "the lab is not started"
        return {**os.environ, "PATH": _search_path(),
                "OVS_RUNDIR": str(self.workdir / "run"),
                "OVS_DBDIR": str(self.workdir / "db"),
                "OVS_LOGDIR": str(self.workdir / "log")}

    def _run(self, argv: Sequence[str], *, check: bool = True,
             env: dict[str, str] | None = None,
             timeout: float = COMMAND_TIMEOUT
             ) -> subprocess.CompletedProcess[str]:
        if env is None:
            env = {**os.environ, "PATH": _search_path()}
        result = subprocess.run(list(argv), capture_output=True, text=True,
                                env=env, timeout=timeout, check=False)
        if check and result.returncode != 0:
            raise LabError(f"{' '.join(argv)} exited {result.returncode}: "
                           f"{result.stderr.strip()}")
        return result

    def in_namespace(self, namespace: str, argv: Sequence[str], *,
                     check: bool = True
                     ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside ``namespace``."""
        return self._run(["ip", "netns", "exec", namespace, *argv],
                         check=check)

    def vsctl(self, *args: str, check: bool = True) -> str:
        """Run ``ovs-vsctl ARGS`` on this lab's switch; return stdout."""
        return self._run(["ovs-vsctl", "--timeout=20", *args],
                         env=self.ovs_env, check=check).stdout

    def appctl(self, *args: str) -> str:
        """Run ``ovs-appctl ARGS`` against this lab's ``ovs-vswitchd``."""
        return self._run(["ovs-appctl", *args], env=self.ovs_env).stdout

    # -- the switch -------------------------------------------------------

    def _add_namespace(self, namespace: str) -> None:
        self._run(["ip", "netns", "add", namespace])
        self._namespaces.append(namespace)
        self._run(["ip", "-n", namespace, "link", "set", "lo", "up"])
        for key in ("all", "default"):
            self.in_namespace(namespace, [
                "sysctl", "-qw", f"net.ipv6.conf.{key}.disable_ipv6=1"],
                check=False)

    def _start_ovs(self) -> None:
        assert self.workdir is not None
        run, db, log = (self.workdir / d for d in ("run", "db", "log"))
        env = self.ovs_env
        self._run(["ovsdb-tool", "create", str(db / "conf.db"),
                   str(OVS_SCHEMA)], env=env)
        self._run(["ovsdb-server", str(db / "conf.db"),
                   f"--remote=punix:{run / 'db.sock'}",
                   f"--pidfile={run / 'ovsdb-server.pid'}", "--detach",
                   f"--log-file={log / 'ovsdb-server.log'}"], env=env)
        self.vsctl("--no-wait", "init")
        self._add_namespace(self.switch_namespace)
        self._run(["ip", "netns", "exec", self.switch_namespace,
                   "ovs-vswitchd", f"unix:{run / 'db.sock'}",
                   f"--pidfile={run / 'ovs-vswitchd.pid'}", "--detach",
                   f"--log-file={log / 'ovs-vswitchd.log'}"], env=env)
        self.vsctl("add-br", self.bridge, "--", "set", "bridge",
                   self.bridge, "datapath_type=netdev")

    def _stop_daemon(self, pidfile: Path) -> None:
        """Stop the daemon of ``pidfile`` if it is this lab's process."""
        try:
            pid = int(pidfile.read_text().strip())
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except (OSError, ValueError):
            return
        assert self.workdir is not None
        if str(self.workdir).encode() not in cmdline:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        try:
            _wait_for(lambda: not _process_alive(pid), 5, f"pid {pid}")
        except LabError:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def add_node(self, name: str, vlan: int | None = None) -> Node:
        """Add a node whose port starts as an access port of ``vlan``
        (default: the quarantine VLAN)."""
        port = PORT_PREFIX + name
        if len(port) > MAX_IFNAME or name in self.nodes:
            raise ValueError(f"bad or duplicate node name {name!r}")
        namespace = f"{self.prefix}-{name}"
        ip = str(self.subnet.network_address + 10 + len(self.nodes))
        self._add_namespace(namespace)
        self._run(["ip", "-n", self.switch_namespace, "link", "add", port,
                   "type", "veth", "peer", "name", NODE_NIC,
                   "netns", namespace])
        self._run(["ip", "-n", self.switch_namespace, "link", "set", port,
                   "up"])
        self._run(["ip", "-n", namespace, "addr", "add",
                   f"{ip}/{self.subnet.prefixlen}", "dev", NODE_NIC])
        self._run(["ip", "-n", namespace, "link", "set", NODE_NIC, "up"])
        tag = self.quarantine_vlan if vlan is None else vlan
        self.vsctl("add-port", self.bridge, port, f"tag={tag}",
                   "vlan_mode=access")
        node = Node(name=name, namespace=namespace, port=port, ip=ip)
        self.nodes[name] = node
        return node

    def set_port(self, port: str, tag: int, vlan_mode: str = "access",
                 trunks: Sequence[int] = ()) -> None:
        """Set a port's VLAN columns directly (not through a driver), e.g.
        to build a positive control; one atomic ``ovs-vsctl`` call."""
        args = ["set", "port", port, f"tag={tag}", f"vlan_mode={vlan_mode}"]
        if trunks:
            args.append("trunks=" + ",".join(str(v) for v in trunks))
        else:
            args += ["--", "clear", "port", port, "trunks"]
        self.vsctl(*args)

    def reset_ports(self) -> None:
        """Put every node's port back to an access port of the quarantine
        VLAN (e.g. between tests sharing one lab)."""
        for node in self.nodes.values():
            self.set_port(node.port, self.quarantine_vlan)

    def port_state(self, port: str) -> PortReadback:
        """Read a port's ``tag``, ``vlan_mode`` and ``trunks`` back from
        the switch (``ovs-vsctl --format=json``)."""
        data = json.loads(self.vsctl(
            "--format=json", "--columns=name,tag,vlan_mode,trunks",
            "list", "port", port))
        row = dict(zip(data["headings"], data["data"][0], strict=True))
        tag = _ovsdb_value(row["tag"])
        mode = _ovsdb_value(row["vlan_mode"])
        return PortReadback(
            name=str(row["name"]), tag=int(tag[0]) if tag else None,
            vlan_mode=str(mode[0]) if mode else None,
            trunks=frozenset(int(v) for v in _ovsdb_value(row["trunks"])))

    def port_tag(self, port: str) -> int | None:
        """The port's ``tag`` column (``None`` when unset)."""
        return self.port_state(port).tag

    # -- SSH --------------------------------------------------------------

    def _prepare_ssh(self) -> None:
        assert self.workdir is not None
        ssh = self.workdir / "ssh"
        for key in ("host_key", "client_key"):
            self._run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "",
                       "-C", f"{self.prefix}-{key}", "-f", str(ssh / key)])
        authorized = ssh / "authorized_keys"
        shutil.copy(ssh / "client_key.pub", authorized)
        authorized.chmod(0o600)
        _claim_run_sshd(self.prefix)
        self._claimed_run_sshd = True

    def _write_sshd_config(self) -> Path:
        assert self.workdir is not None
        ssh = self.workdir / "ssh"
        config = ssh / "sshd_config"
        config.write_text("\n".join([
            f"Port {self.ssh_port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {ssh / 'host_key'}",
            f"PidFile {ssh / 'sshd.pid'}",
            f"AuthorizedKeysFile {ssh / 'authorized_keys'}",
            "AllowUsers root",
            "StrictModes no",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "PrintMotd no",
            "PrintLastLog no",
            "MaxStartups 50",
            f"SetEnv OVS_RUNDIR={self.workdir / 'run'}",
            "",
        ]))
        return config

    def start_sshd(self) -> None:
        """Start (or restart after :meth:`stop_sshd`) the lab's sshd, on
        the same port once it has one."""
        assert self.workdir is not None, "the lab is not started"
        ssh = self.workdir / "ssh"
        for _attempt in range(3):
            if not self.ssh_port:
                self.ssh_port = _free_port()
            config = self._write_sshd_config()
            self._run([SSHD, "-t", "-f", str(config)])
            self._run([SSHD, "-f", str(config), "-E",
                       str(ssh / "sshd.log")])
            try:
                _wait_for(self._sshd_listening, 5, "sshd to listen")
                return
            except LabError:
                self.stop_sshd()
                self.ssh_port = 0
        raise LabError("sshd did not start: "
                       + (ssh / "sshd.log").read_text(errors="replace"))

    def _sshd_listening(self) -> bool:
        assert self.workdir is not None
        if not (self.workdir / "ssh" / "sshd.pid").exists():
            return False
        with socket.socket() as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.ssh_port)) == 0

    def stop_sshd(self) -> None:
        """Stop the lab's sshd (the switch becomes unreachable)."""
        if self.workdir is not None:
            pidfile = self.workdir / "ssh" / "sshd.pid"
            self._stop_daemon(pidfile)
            pidfile.unlink(missing_ok=True)

    def ssh_connection(self, fast: bool = True, **overrides: str
                       ) -> dict[str, str]:
        """Connection options for the ``generic_switch`` driver
        (``SwitchConfig.connection``), with ``overrides`` applied; ``fast``
        adds netmiko's ``global_cmd_verify: true``."""
        assert self.workdir is not None, "the lab is not started"
        options = {
            "ip": "127.0.0.1",
            "port": str(self.ssh_port),
            "username": "root",
            "key_file": str(self.workdir / "ssh" / "client_key"),
            "use_keys": "true",
            "allow_agent": "false",
            "ngs_ssh_connect_timeout": "5",
            "ngs_ssh_connect_interval": "1",
        }
        if fast:
            options["global_cmd_verify"] = "true"
        options.update(overrides)
        return options

    # -- the data plane ---------------------------------------------------

    def _node(self, node: str | Node) -> Node:
        return node if isinstance(node, Node) else self.nodes[node]

    def flush(self) -> None:
        """Forget learned MACs on the switch and ARP entries on nodes."""
        self.appctl("fdb/flush", self.bridge)
        for node in self.nodes.values():
            self._run(["ip", "-n", node.namespace, "neigh", "flush", "all"],
                      check=False)

    def reaches(self, source: str | Node, target: str | Node) -> bool:
        """Whether ``source`` gets a ping reply from ``target`` (ARP caches
        and the switch's MAC table are flushed first)."""
        src, dst = self._node(source), self._node(target)
        self.flush()
        result = self.in_namespace(
            src.namespace,
            ["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1", dst.ip],
            check=False)
        return result.returncode == 0

    def tagged_frame_reaches(self, source: str | Node, vid: int | None,
                             targets: Sequence[str | Node],
                             window: float = 1.0) -> set[str]:
        """Send one broadcast ARP tagged with ``vid`` (``None``: untagged)
        from ``source``'s NIC; return the names of ``targets`` whose NIC
        received it within ``window`` seconds."""
        src = self._node(source)
        dsts = [self._node(t) for t in targets]
        nonce = secrets.token_hex(8)
        self.flush()
        watchers = {}
        try:
            for dst in dsts:
                watchers[dst.name] = self._frames(
                    dst, "capture", NODE_NIC, nonce, str(window))
            for name, watcher in watchers.items():
                self._await_ready(name, watcher)
            self.in_namespace(src.namespace, [
                sys.executable, "-I", str(FRAMES_TOOL), "send", NODE_NIC,
                "-" if vid is None else str(vid), src.ip,
                str(self.subnet.broadcast_address - 1), nonce])
            seen = set()
            for name, watcher in watchers.items():
                out, _ = watcher.communicate(timeout=window + 10)
                if "seen" in out.split():
                    seen.add(name)
            return seen
        finally:
            for watcher in watchers.values():
                if watcher.poll() is None:
                    watcher.kill()
                    watcher.wait()

    def _frames(self, node: Node, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["ip", "netns", "exec", node.namespace, sys.executable, "-I",
             str(FRAMES_TOOL), *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            env={**os.environ, "PATH": _search_path()})

    @staticmethod
    def _await_ready(name: str, watcher: subprocess.Popen[str]) -> None:
        assert watcher.stdout is not None
        ready, _, _ = select.select([watcher.stdout], [], [], 10)
        if not ready or watcher.stdout.readline().strip() != "ready":
            raise LabError(f"frame capture on {name} did not start")
