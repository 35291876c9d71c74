"""Keep untrusted values from forging log lines.

A value from a request (a resource type, a name, a port id) that holds a
newline would otherwise start a new, made-up log line, for example a fake
``CRITICAL`` one. :func:`install` wraps the process's log record factory:
every record's arguments (for every logger: libraries such as stevedore log
request values too) have carriage returns, line feeds and other control
characters replaced by visible escapes (``\\n``, ``\\x1b``...). For
esi-leap's own loggers the message itself is escaped as well. Tracebacks
(``exc_info``) are formatted by the handler and keep their lines.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

#: C0 and C1 control characters, DEL and the Unicode line separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: Argument types that format without surprises.
_PLAIN = (int, float, bool, type(None))
#: Loggers whose message (not only arguments) is escaped.
OWN_PREFIX = "esi_leap"


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape(text: str) -> str:
    """``text`` with control characters replaced by visible escapes."""
    return _CONTROL.sub(_escape_char, text)


def _safe(arg: Any) -> Any:
    if isinstance(arg, _PLAIN):
        return arg
    if isinstance(arg, str):
        return escape(arg) if _CONTROL.search(arg) else arg
    text = str(arg)
    return escape(text) if _CONTROL.search(text) else arg


def escape_record(record: logging.LogRecord) -> None:
    """Escape ``record``'s arguments (and message for our loggers)."""
    args = record.args
    if isinstance(args, Mapping):
        record.args = {key: _safe(value) for key, value in args.items()}
    elif isinstance(args, tuple):
        record.args = tuple(_safe(arg) for arg in args)
    if record.name.startswith(OWN_PREFIX) and isinstance(record.msg, str):
        record.msg = escape(record.msg)


def install() -> None:
    """Escape every log record this process makes from now on
    (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "esi_leap_escaping", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        escape_record(record)
        return record

    factory.esi_leap_escaping = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def installed() -> bool:
    """Whether :func:`install` ran in this process."""
    return bool(getattr(logging.getLogRecordFactory(), "esi_leap_escaping",
                        False))
