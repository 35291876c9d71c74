"""Request helpers shared by the handlers: context, body, query, responses."""

import datetime
import json
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

import jsonschema
import webob

from esi_leap.api import limits
from esi_leap.common import context as esi_context
from esi_leap.common import exception
from esi_leap.common import timeutils
from esi_leap.conf import CONF
from esi_leap.db import pagination

Handler = Callable[[webob.Request], webob.Response]

PAGING_PARAMS = frozenset({"limit", "marker", "sort_key", "sort_dir"})


def context_of(req: webob.Request) -> esi_context.RequestContext:
    """The caller's context, built by the auth middleware."""
    ctx = req.environ.get("esi_leap.context")
    if ctx is None:
        raise exception.NotAuthenticated()
    return ctx  # type: ignore[no-any-return]


def json_body(req: webob.Request, schema: dict[str, Any]) -> dict[str, Any]:
    """The request's JSON body, validated against ``schema``.

    :raises InvalidInput: for a body that is not JSON or not valid.
    """
    try:
        body = json.loads(req.body or b"{}")
    except ValueError:
        raise exception.InvalidInput(
            reason="the request body is not valid JSON.") from None
    except RecursionError:
        raise exception.InvalidInput(reason=_TOO_DEEP) from None
    check_json_value(body)
    if body is None:
        body = {}
    error = jsonschema.exceptions.best_match(
        _validator(schema).iter_errors(body))
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path)
        reason = f"{where}: {error.message}" if where else error.message
        raise exception.InvalidInput(reason=reason)
    limits.check_free_form(body, CONF.api)
    return dict(body)


#: How deeply arrays and objects may nest in a request body.
MAX_JSON_DEPTH = 32
_TOO_DEEP = (f"the request body nests arrays and objects more than "
             f"{MAX_JSON_DEPTH} deep.")


def _check_string(value: str) -> None:
    if "\x00" in value:
        raise exception.InvalidInput(
            reason="the request body holds a NUL character (\\u0000).")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise exception.InvalidInput(
            reason="the request body holds a lone UTF-16 surrogate "
                   "(\\ud800-\\udfff), which is not a character.") from None


def check_json_value(value: Any) -> None:
    """Refuse a parsed JSON value nested deeper than
    :data:`MAX_JSON_DEPTH`, or with a string (or key) that holds NUL or a
    lone surrogate: no field means them, and no database stores them.

    :raises InvalidInput: with the reason.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_JSON_DEPTH:
            raise exception.InvalidInput(reason=_TOO_DEEP)
        if isinstance(item, dict):
            stack.extend((key, depth) for key in item)
            stack.extend((child, depth + 1) for child in item.values())
        else:
            stack.extend((child, depth + 1) for child in item)


_validators: dict[int, tuple[dict[str, Any], Any]] = {}


def _validator(schema: dict[str, Any]) -> Any:
    """A validator for ``schema``, built (and the schema checked) once.

    Checking the schema against the metaschema costs milliseconds; the
    schemas are module constants, so it is done once per schema.
    """
    cached = _validators.get(id(schema))
    if cached is None or cached[0] is not schema:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        cached = _validators[id(schema)] = (schema, cls(schema))
    return cached[1]


def query(req: webob.Request, allowed: Iterable[str]) -> dict[str, str]:
    """The query parameters, each at most once and all in ``allowed``.

    :raises InvalidInput: for an unknown or repeated parameter.
    """
    known = frozenset(allowed)
    params: dict[str, str] = {}
    for key, value in req.GET.items():
        if key not in known:
            raise exception.InvalidInput(
                reason=f"Unknown argument: {key}. Known arguments: "
                       f"{', '.join(sorted(known))}.")
        if key in params:
            raise exception.InvalidInput(
                reason=f"argument {key} is given more than once.")
        params[key] = value
    return params


def bool_param(params: dict[str, str], name: str) -> bool:
    """A true/false query parameter; False when absent.

    :raises InvalidInput: for anything but true/false (any case), 1 or 0.
    """
    value = params.get(name, "false").lower()
    if value not in ("true", "false", "1", "0"):
        raise exception.InvalidInput(
            reason=f"{name} must be true or false, not {params[name]!r}.")
    return value in ("true", "1")


#: The largest integer a database column holds (signed 64 bits).
MAX_DB_INTEGER = 2 ** 63 - 1
#: The smallest.
MIN_DB_INTEGER = -(2 ** 63)


def int_param(params: dict[str, str], name: str,
              minimum: int = 0) -> int | None:
    """An integer query parameter, or None when absent.

    :raises InvalidInput: for anything but an integer from ``minimum`` to
        :data:`MAX_DB_INTEGER` (a larger one overflows the database).
    """
    if name not in params:
        return None
    try:
        value = int(params[name])
    except ValueError:
        value = None
    if value is None or not minimum <= value <= MAX_DB_INTEGER:
        raise exception.InvalidInput(
            reason=f"{name} must be an integer from {minimum} to "
                   f"{MAX_DB_INTEGER}.")
    return value


def time_param(params: dict[str, str],
               name: str) -> datetime.datetime | None:
    """A time query parameter as aware UTC, or None when absent."""
    value = params.get(name)
    return None if value is None else timeutils.parse(value, name)


def window_param(params: dict[str, str], start_name: str, end_name: str,
                 kind: str
                 ) -> tuple[datetime.datetime, datetime.datetime] | None:
    """A (start, end) pair of query parameters that must come together.

    :raises InvalidInput: when only one is given or start >= end.
    """
    start = time_param(params, start_name)
    end = time_param(params, end_name)
    if start is None and end is None:
        return None
    if start is None or end is None or start >= end:
        raise exception.InvalidInput(
            reason=f"{start_name} and {end_name} must be given together to "
                   f"filter {kind}, and {start_name} must be strictly less "
                   f"than {end_name}. Got {params.get(start_name)}, "
                   f"{params.get(end_name)}.")
    return start, end


def page_param(params: dict[str, str]) -> pagination.Page:
    """``limit``, ``marker``, ``sort_key`` and ``sort_dir`` as a Page.

    :raises InvalidInput: for a limit that is not a positive integer.
    """
    limit = None
    if "limit" in params:
        try:
            limit = int(params["limit"])
        except ValueError:
            limit = 0
        if limit < 1:
            raise exception.InvalidInput(
                reason=f"limit must be a positive integer, not "
                       f"{params['limit']!r}.")
        limit = min(limit, CONF.api.max_limit)
    return pagination.Page(sort_key=params.get("sort_key", "id"),
                           sort_dir=params.get("sort_dir", "asc"),
                           marker=params.get("marker"), limit=limit)


def next_link(req: webob.Request, items: list[Any],
              page: pagination.Page) -> str | None:
    """The URL of the next page, when a limited page came back full."""
    if page.limit is None or len(items) < page.limit:
        return None
    params = [(k, v) for k, v in req.GET.items() if k != "marker"]
    params.append(("marker", items[-1].uuid))
    base = public_url(req) + str(req.path_info)
    return base + "?" + urllib.parse.urlencode(params)


def respond_list(req: webob.Request, key: str, views: list[Any],
                 items: list[Any], page: pagination.Page) -> webob.Response:
    """A list response ``{key: views}``, with a ``next`` link when a
    limited page came back full."""
    body: dict[str, Any] = {key: views}
    link = next_link(req, items, page)
    if link:
        body["next"] = link
    return respond(body)


def public_url(req: webob.Request) -> str:
    """Where clients reach this API (``[api] public_endpoint`` or the
    request's own host)."""
    endpoint = CONF.api.public_endpoint
    return str(endpoint).rstrip("/") if endpoint else str(req.host_url)


def respond(body: Any, status: int = 200) -> webob.Response:
    """A JSON response (no body at all for 204 No Content)."""
    if status == 204:
        return webob.Response(status=204, content_type=None, charset=None)
    response = webob.Response(status=status, content_type="application/json",
                              charset=None)
    response.body = json.dumps(body, separators=(",", ":")).encode()
    return response
