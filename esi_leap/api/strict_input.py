"""Refuse request paths and query strings no handler could mean.

PEP 3333 hands the path and the query string to the application as
latin-1 strings of the raw bytes. This middleware decodes both strictly as
UTF-8 and refuses, with ESI-Leap's 400 body, a path or query that is not
UTF-8 or that carries a control character (NUL, CR, LF, tab, DEL or a C1
control): such a value is never a valid id, name or filter, and letting it
through made database drivers, file look-ups and the router fail with 500
or match the wrong route.
"""

import re
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from esi_leap.api import errors

WSGIApp = Callable[..., Any]

#: C0 controls, DEL and C1 controls (Unicode category Cc).
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class BadRequestLine(ValueError):
    """The path or the query string is not acceptable."""


def _utf8(raw: str, what: str) -> str:
    """``raw`` (WSGI latin-1 text) decoded as UTF-8."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        raise BadRequestLine(f"The request {what} is not valid UTF-8 "
                             "(after percent-decoding).") from None


def _no_control(value: str, what: str) -> None:
    if CONTROL.search(value):
        raise BadRequestLine(f"The request {what} contains a control "
                             "character (NUL, CR, LF, tab or similar).")


def check_path(path_info: str) -> None:
    """Refuse a path that is not UTF-8 or holds a control character.

    :raises BadRequestLine: with the reason.
    """
    _no_control(_utf8(path_info, "path"), "path")


def check_query(query_string: str) -> None:
    """Refuse a query whose names or values, percent-decoded, are not
    UTF-8 or hold a control character.

    :raises BadRequestLine: with the reason.
    """
    try:
        pairs = urllib.parse.parse_qsl(query_string, keep_blank_values=True,
                                       encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequestLine("The query string is not valid UTF-8 (after "
                             "percent-decoding).") from None
    for key, value in pairs:
        _no_control(key, "query string")
        _no_control(value, "query string")


class StrictInput:
    """WSGI middleware: 400 for a path or query :func:`check_path` or
    :func:`check_query` refuses; everything else goes to ``app``."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any],
                 start_response: Any) -> Iterable[bytes]:
        try:
            check_path(environ.get("PATH_INFO", ""))
            check_query(environ.get("QUERY_STRING", ""))
        except BadRequestLine as exc:
            return errors.fault(400, str(exc))(  # type: ignore[no-any-return]
                environ, start_response)
        return self.app(environ, start_response)  # type: ignore[no-any-return]
