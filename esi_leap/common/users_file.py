"""The users file of ``auth_strategy = http_basic``.

An htpasswd-style file, one user a line::

    # user:bcrypt_hash:project_id:project_name:role1,role2
    alice:$2b$12$...:8f3a...:owner-project:member
    bob:$2b$12$...:c0de...:lessee-project:reader

Blank lines and lines starting with ``#`` are ignored. The file is read again
when it changes (its modification time, size or inode), so edits take effect
without a restart. A file that has become malformed fails closed: nobody can
log in until it is fixed, and the error names the line.

Neither passwords nor hashes are ever logged or put in error messages.
"""

import dataclasses
import hashlib
import hmac
import os
import re
import threading

import bcrypt
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

#: A bcrypt hash (cost 12) of a password nobody knows. Checking against it
#: when the user does not exist keeps the answer time the same, so the time
#: does not tell which user names exist.
_DUMMY_HASH = (b"$2b$12$0hRqf3btZYA3G9AIDZgSLOnYAx1URhhZyFJScRo5xr6xPmF8y"
               b"F8jm")

_FIELDS = "user:bcrypt_hash:project_id:project_name:roles"
_DEFAULT_ROUNDS = 12
_BCRYPT_HASH = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")
#: bcrypt reads only this many bytes of a password.
_BCRYPT_MAX_BYTES = 72


class UsersFileError(ValueError):
    """The users file is missing, unreadable or malformed."""

    def __init__(self, path: str, reason: str,
                 lineno: int | None = None) -> None:
        """Describe the problem; ``lineno`` counts from 1."""
        self.path = path
        self.lineno = lineno
        where = f"{path}, line {lineno}" if lineno else path
        super().__init__(f"Users file {where}: {reason}")


@dataclasses.dataclass(frozen=True)
class LocalUser:
    """A user of the users file, as authentication reports it."""

    name: str
    project_id: str
    project_name: str
    roles: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class _Entry:
    user: LocalUser
    password_hash: bytes = dataclasses.field(repr=False)


_Signature = tuple[int, int, int]


def _split_roles(text: str) -> tuple[str, ...]:
    return tuple(r.strip() for r in text.split(",") if r.strip())


def _parse_line(path: str, lineno: int, line: str) -> _Entry:
    fields = line.split(":")
    if len(fields) != 5:
        raise UsersFileError(
            path, f"expected {_FIELDS} (5 fields separated by ':'), got "
                  f"{len(fields)} fields", lineno)
    name, hashed, project_id, project_name, roles = (
        f.strip() for f in fields)
    for label, value in (("user", name), ("project_id", project_id),
                         ("project_name", project_name)):
        if not value:
            raise UsersFileError(path, f"the {label} field is empty", lineno)
    if not _BCRYPT_HASH.fullmatch(hashed):
        raise UsersFileError(
            path, f"the password of user {name} is not a bcrypt hash "
                  "(60 characters starting with $2)", lineno)
    user = LocalUser(name=name, project_id=project_id,
                     project_name=project_name, roles=_split_roles(roles))
    return _Entry(user=user, password_hash=hashed.encode())


def parse(path: str, text: str) -> dict[str, LocalUser]:
    """Parse the text of a users file (for checking a file before use).

    :raises UsersFileError: naming the first malformed line.
    """
    return {name: entry.user
            for name, entry in _parse(path, text).items()}


def _parse(path: str, text: str) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    projects: dict[str, str] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        entry = _parse_line(path, lineno, line)
        user = entry.user
        if user.name in entries:
            raise UsersFileError(
                path, f"user {user.name} appears a second time", lineno)
        known = projects.setdefault(user.project_id, user.project_name)
        if known != user.project_name:
            raise UsersFileError(
                path, f"project {user.project_id} is named {known} on an "
                      f"earlier line and {user.project_name} here", lineno)
        entries[user.name] = entry
    return entries


#: A key known only to this process, so cached proofs reveal nothing.
_PROOF_KEY = os.urandom(32)


def _proof(user: str, secret: bytes, hashed: bytes) -> bytes:
    """A keyed digest standing for "this password matched this hash"."""
    message = user.encode() + b"\0" + secret + b"\0" + hashed
    return hmac.new(_PROOF_KEY, message, hashlib.sha256).digest()


class UsersFile:
    """A users file, read again whenever it changes on disk."""

    def __init__(self, path: str, *, missing_ok: bool = False) -> None:
        """Name the file; nothing is read until first used.

        :param path: the file's path.
        :param missing_ok: read a missing file as empty instead of failing
            (for callers that only want project names).
        """
        self.path = path
        self.missing_ok = missing_ok
        self._lock = threading.Lock()
        self._loaded = False
        self._signature: _Signature | None = None
        self._entries: dict[str, _Entry] = {}
        self._error: UsersFileError | None = None
        #: Keyed digests of credentials bcrypt accepted since the file was
        #: last read: bcrypt costs about 0.25 s, far too much per request.
        self._verified: set[bytes] = set()

    @classmethod
    def load(cls, path: str, *, missing_ok: bool = False) -> "UsersFile":
        """Read the file now, so that a bad file is reported at start-up.

        :raises UsersFileError: the file is missing, unreadable or malformed.
        """
        users_file = cls(path, missing_ok=missing_ok)
        users_file.refresh()
        return users_file

    def refresh(self) -> None:
        """Read the file again if it changed since it was last read.

        :raises UsersFileError: the file is missing, unreadable or malformed.
        """
        with self._lock:
            signature = self._stat()
            if not self._loaded or signature != self._signature:
                self._reload(signature)
            if self._error is not None:
                raise self._error

    def authenticate(self, user: str, password: str) -> LocalUser | None:
        """Return the user if ``password`` is theirs, else None.

        As bcrypt (and htpasswd) always did, only the first 72 bytes of the
        password count.

        :raises UsersFileError: the file is missing, unreadable or malformed.
        """
        self.refresh()
        entry = self._entries.get(user)
        hashed = entry.password_hash if entry is not None else _DUMMY_HASH
        secret = password.encode()[:_BCRYPT_MAX_BYTES]
        proof = _proof(user, secret, hashed)
        if entry is not None and proof in self._verified:
            return entry.user
        try:
            matches = bcrypt.checkpw(secret, hashed)
        except ValueError:
            LOG.error("Users file %(path)s: the hash of user %(user)s is "
                      "not a valid bcrypt hash.",
                      {"path": self.path, "user": user})
            return None
        if entry is None or not matches:
            return None
        self._verified.add(proof)
        return entry.user

    def users(self) -> dict[str, LocalUser]:
        """Return the users by name."""
        self.refresh()
        return {name: entry.user for name, entry in self._entries.items()}

    def projects(self) -> dict[str, str]:
        """Return the project names by project id."""
        self.refresh()
        return {entry.user.project_id: entry.user.project_name
                for entry in self._entries.values()}

    def _stat(self) -> _Signature | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise UsersFileError(self.path, exc.strerror or str(exc)) from exc
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _reload(self, signature: _Signature | None) -> None:
        self._loaded = True
        self._signature = signature
        self._entries = {}
        self._verified = set()
        self._error = None
        try:
            self._entries = _parse(self.path, self._read(signature))
        except UsersFileError as exc:
            self._error = exc
            LOG.error("%s", exc)
            return
        LOG.info("Read %(count)d users from %(path)s.",
                 {"count": len(self._entries), "path": self.path})

    def _read(self, signature: _Signature | None) -> str:
        if signature is None:
            if self.missing_ok:
                return ""
            raise UsersFileError(self.path, "the file does not exist")
        try:
            with open(self.path, encoding="utf-8") as f:
                return f.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsersFileError(self.path, str(exc)) from exc


def _check_field(label: str, value: str) -> None:
    if not value or any(c in value for c in ":\n\r"):
        raise ValueError(f"{label} must be non-empty and must not contain "
                         f"':' or a line break")


def make_entry(user: str, password: str, project_id: str,
               project_name: str, roles: list[str] | tuple[str, ...],
               *, rounds: int = _DEFAULT_ROUNDS) -> str:
    """Return a users file line (without its line break) for a new user.

    :param rounds: bcrypt's cost; keep the default outside tests.
    :raises ValueError: a field would break the file's format, or the
        password is longer than bcrypt's 72 bytes.
    """
    if len(password.encode()) > _BCRYPT_MAX_BYTES:
        raise ValueError(f"the password must be at most {_BCRYPT_MAX_BYTES} "
                         "bytes long")
    for label, value in (("user", user), ("project_id", project_id),
                         ("project_name", project_name)):
        _check_field(label, value)
    for role in roles:
        _check_field("a role", role)
        if "," in role:
            raise ValueError("a role must not contain ','")
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds))
    return ":".join((user, hashed.decode(), project_id, project_name,
                     ",".join(roles)))
