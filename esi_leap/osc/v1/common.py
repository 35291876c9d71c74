"""What every command of the plugin shares: the client, error messages,
column layouts and value formatters."""

from __future__ import annotations

import contextlib
import types
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import TextIO

from cliff import columns as cliff_columns
from osc_lib import exceptions
from osc_lib.cli import format_columns

from esi_leap.osc import client as esi_client

#: (column header, key in the API's view)
Column = tuple[str, str]
Formatters = Mapping[str, type[cliff_columns.FormattableColumn[Any]]]
NO_FORMATTERS: Formatters = types.MappingProxyType({})

#: Words that mark a value the CLI never prints.
SECRET_WORDS = ("password", "passwd", "secret", "passphrase")
MASK = "******"


def get_client(app: Any) -> esi_client.Client:
    """The plugin's client from OSC's ClientManager."""
    client: esi_client.Client = app.client_manager.esi_leap
    return client


@contextlib.contextmanager
def failure(what: str) -> Iterator[None]:
    """Turn a client error into a CommandError ``Failed to <what>: <the
    server's message> (HTTP <status>)`` (OSC prints it, exits 1)."""
    try:
        yield
    except esi_client.EsiLeapClientError as err:
        raise exceptions.CommandError(f"Failed to {what}: {err}") from err


class NetworksColumn(cliff_columns.FormattableColumn[list[dict[str, Any]]]):
    """A port's networks: ``blue (vlan 101, native), red (vlan 102,
    tagged)`` in tables, the list itself in JSON/YAML."""

    def human_readable(self) -> str:
        parts = []
        for net in self._value or []:
            name = net.get("network_name") or net.get("network_uuid")
            parts.append(f"{name} (vlan {net.get('vlan')}, "
                         f"{net.get('mode')})")
        return ", ".join(parts)


def mask_secrets(view: Mapping[str, Any]) -> dict[str, Any]:
    """``view`` without anything that looks like a secret: top-level
    ``password``/``secret`` keys are dropped, such keys inside a nested
    mapping (a switch's ``connection``) masked. The server never returns
    them; this keeps a misbehaving one from making the CLI print them."""
    def secret(key: str) -> bool:
        return any(word in key.lower() for word in SECRET_WORDS)

    out: dict[str, Any] = {}
    for key, value in view.items():
        if key in SECRET_WORDS:
            continue
        if isinstance(value, Mapping):
            value = {k: (MASK if secret(str(k)) else v)
                     for k, v in value.items()}
        out[key] = value
    return out


def _format(key: str, value: Any, formatters: Formatters) -> Any:
    formatter = formatters.get(key)
    if formatter is not None and value is not None:
        return formatter(value)
    return value


def show_view(view: Mapping[str, Any], formatters: Formatters = NO_FORMATTERS
              ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """A ShowOne result: every field of ``view``, sorted by name."""
    keys = tuple(sorted(view))
    return keys, tuple(_format(k, view[k], formatters) for k in keys)


def list_rows(items: Iterable[Mapping[str, Any]], columns: Sequence[Column],
              formatters: Formatters = NO_FORMATTERS
              ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """A Lister result: ``columns`` headers and one row per item."""
    headers = tuple(header for header, _ in columns)
    rows = [tuple(_format(key, item.get(key), formatters)
                  for _, key in columns) for item in items]
    return headers, rows


def delete_each(idents: Sequence[str], delete: Callable[[str], None],
                kind: str, out: TextIO) -> None:
    """Delete every ident, saying ``Deleted <kind> <ident>`` for each; go
    on after a failure and raise one CommandError naming all failures."""
    failures: list[tuple[str, Exception]] = []
    for ident in idents:
        try:
            delete(ident)
        except (esi_client.EsiLeapClientError,
                exceptions.CommandError) as err:
            failures.append((ident, err))
            continue
        print(f"Deleted {kind} {ident}", file=out)
    if len(failures) == 1 and len(idents) == 1:
        failed, error = failures[0]
        raise exceptions.CommandError(f"Failed to delete {kind} {failed}: "
                                      f"{error}")
    if failures:
        details = "; ".join(f"{i}: {e}" for i, e in failures)
        raise exceptions.CommandError(
            f"Failed to delete {len(failures)} of {len(idents)} {kind}s: "
            f"{details}")


LIST = format_columns.ListColumn
DICT = format_columns.DictColumn
