"""Switch passwords and secrets, encrypted at rest with Fernet.

The key comes from the file ``[networking] secret_key_file``: one Fernet
key per line (blank lines and ``#`` comments ignored). The first key
encrypts; every key decrypts, so a key is rotated by putting a new one on
the first line and keeping the old one below it until every switch has
been saved again.

A switch's secrets (``password``, ``secret``) are kept together as one
Fernet token of their JSON, next to their names in clear (so that a switch
shows ``has_password`` without the key): see :func:`seal`. Neither the
secrets nor the key ever appear in a log line or an error message;
messages name the option and the file only.

Errors::

    esi_leap.common.exception.Conflict   no key is configured, so a secret
                                         cannot be stored (the API: 409)
    SecretKeyError                       the key file is unreadable or
                                         wrong, or a stored token does not
                                         decrypt (a server fault: 500)
"""

import json
import os
import stat
import threading
from collections.abc import Mapping

from cryptography import fernet
from oslo_log import log as logging

from esi_leap.common import exception
from esi_leap.conf import CONF

LOG = logging.getLogger(__name__)

OPTION = "[networking] secret_key_file"
HOW_TO_MAKE_A_KEY = (
    'python3 -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())" > FILE; chmod 600 FILE')

_warned_lock = threading.Lock()
_warned_open: set[str] = set()


class SecretKeyError(exception.EsiLeapException):
    """The configured key cannot be used: a fault of the server's
    configuration, not of the request."""

    msg_fmt = "%(reason)s"


def configured() -> bool:
    """Whether ``[networking] secret_key_file`` is set."""
    return bool(CONF.networking.secret_key_file)


def _key_lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
            mode = os.fstat(f.fileno()).st_mode
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise SecretKeyError(
            reason=f"{OPTION} = {path} cannot be read ({reason}); switch "
                   "passwords and secrets cannot be used.") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        _warn_open(path)
    return [line.strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def _warn_open(path: str) -> None:
    with _warned_lock:
        if path in _warned_open:
            return
        _warned_open.add(path)
    LOG.warning("%(option)s = %(path)s can be read by other users; make "
                "it readable by esi-leap only (chmod 600).",
                {"option": OPTION, "path": path})


def _cipher() -> fernet.MultiFernet | None:
    """The keys of ``[networking] secret_key_file``; None when unset.

    :raises SecretKeyError: when the file cannot be read, holds no key, or
        a line is not a Fernet key.
    """
    path = CONF.networking.secret_key_file
    if not path:
        return None
    keys = []
    for number, line in enumerate(_key_lines(str(path)), start=1):
        try:
            keys.append(fernet.Fernet(line))
        except ValueError:
            raise SecretKeyError(
                reason=f"{OPTION} = {path}: key {number} is not a Fernet "
                       "key (32 url-safe base64-encoded bytes); make one "
                       f"with: {HOW_TO_MAKE_A_KEY}") from None
    if not keys:
        raise SecretKeyError(
            reason=f"{OPTION} = {path} holds no key; make one with: "
                   f"{HOW_TO_MAKE_A_KEY}")
    return fernet.MultiFernet(keys)


def _encrypt(secrets: Mapping[str, str]) -> str:
    cipher = _cipher()
    if cipher is None:
        raise exception.Conflict(
            reason="esi-leap cannot store switch passwords or secrets: "
                   f"{OPTION} is not set. Ask the operator to set it to a "
                   f"file holding a Fernet key ({HOW_TO_MAKE_A_KEY}), or "
                   "configure this switch in a [switch:NAME] section of "
                   "the configuration file.")
    data = json.dumps(dict(secrets), sort_keys=True).encode()
    return cipher.encrypt(data).decode("ascii")


def seal(secrets: Mapping[str, str]) -> str | None:
    """What the database keeps of ``secrets``; None when there are none.

    That is ``{"names": [...], "token": "<Fernet token of their JSON>"}``:
    the names say which secrets a switch has without the key.

    :raises Conflict: when secrets are given but no key is configured.
    :raises SecretKeyError: when the key file cannot be used.
    """
    if not secrets:
        return None
    return json.dumps({"names": sorted(secrets),
                       "token": _encrypt(secrets)})


def _envelope(sealed: str) -> dict[str, object]:
    try:
        envelope = json.loads(sealed)
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict):
        raise SecretKeyError(
            reason="stored switch secrets are malformed; set the switch's "
                   "password and secret again.")
    return envelope


def names(sealed: str | None) -> frozenset[str]:
    """Which secrets (``password``, ``secret``) a sealed value holds; no
    key is needed."""
    if not sealed:
        return frozenset()
    try:
        listed = _envelope(sealed).get("names")
    except SecretKeyError:
        return frozenset()
    if not isinstance(listed, list):
        return frozenset()
    return frozenset(str(name) for name in listed)


def unseal(sealed: str | None, switch: str = "") -> dict[str, str]:
    """The secrets :func:`seal` sealed; {} for None.

    :param switch: the switch's name, for error messages.
    :raises SecretKeyError: when no key is configured, or none of the
        configured keys decrypts them.
    """
    if not sealed:
        return {}
    whose = f"switch {switch}" if switch else "a switch"
    token = _envelope(sealed).get("token")
    cipher = _cipher()
    if cipher is None:
        raise SecretKeyError(
            reason=f"{whose} has a stored password or secret but {OPTION} "
                   "is not set; set it to the key file they were stored "
                   "with.")
    try:
        data = json.loads(cipher.decrypt(str(token).encode("ascii")))
    except (fernet.InvalidToken, ValueError, UnicodeError):
        raise SecretKeyError(
            reason=f"the stored password or secret of {whose} does not "
                   f"decrypt with the keys of {OPTION}; the key they were "
                   "stored with must stay in that file (on a line after "
                   "the first, when rotating).") from None
    if not isinstance(data, dict):
        raise SecretKeyError(
            reason=f"the stored secrets of {whose} are malformed; set its "
                   "password and secret again.")
    return {str(k): str(v) for k, v in data.items()}


def update(sealed: str | None, changes: Mapping[str, str | None],
           switch: str = "") -> str | None:
    """``sealed`` after ``changes`` (a None value removes that secret).

    The stored secrets are decrypted only when some of them are kept, so
    replacing or removing all of them needs no old key.

    :raises Conflict, SecretKeyError: as :func:`seal` and :func:`unseal`.
    """
    keep = names(sealed) - set(changes)
    merged = ({k: v for k, v in unseal(sealed, switch).items() if k in keep}
              if keep else {})
    merged.update({k: v for k, v in changes.items() if v is not None})
    return seal(merged)
