"""Keyset pagination, sorting and equality filters for list queries
(Ironic's semantics)."""

import dataclasses
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from esi_leap.common import exception


@dataclasses.dataclass(frozen=True)
class Page:
    """How to slice a list: sort key and direction, marker uuid, limit.

    ``after``, a (sort value, id) pair from :func:`position_of`, starts the
    page after that row by value, so it works even when the row is gone
    (reading a long list in chunks).
    """

    sort_key: str = "id"
    sort_dir: str = "asc"
    marker: str | None = None
    limit: int | None = None
    after: tuple[Any, int] | None = None


def apply(stmt: sa.Select[Any], model: Any, page: Page,
          sortable: frozenset[str]) -> sa.Select[Any]:
    """Order ``stmt`` by the page's key (then id) and cut it at the marker.

    :raises InvalidInput: for an unknown sort key or direction.
    :raises InvalidInput: see :func:`check_marker`, called first.
    """
    check_sort(page, sortable)
    column = _sort_column(model, page.sort_key)
    descending = page.sort_dir == "desc"
    if page.marker is not None:
        stmt = stmt.where(_after_marker(model, column, page, descending))
    if page.after is not None:
        stmt = stmt.where(_after_position(model, column, page.after,
                                          descending))
    order = (column.desc(), model.id.desc()) if descending else (
        column.asc(), model.id.asc())
    stmt = stmt.order_by(*order)
    if page.limit is not None:
        stmt = stmt.limit(page.limit)
    return stmt


def where_equal(stmt: sa.Select[Any],
                pairs: Iterable[tuple[Any, Any]]) -> sa.Select[Any]:
    """``stmt`` narrowed to ``column == value`` for each (column, value)
    pair whose value is not None (a list's optional filters)."""
    for column, value in pairs:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def check_sort(page: Page, sortable: Iterable[str]) -> None:
    """:raises InvalidInput: for a sort key not in ``sortable`` or a
    direction other than asc and desc."""
    keys = sorted(sortable)
    if page.sort_key not in keys:
        raise exception.InvalidInput(
            reason=f"sort_key {page.sort_key!r} is not one of: "
                   f"{', '.join(keys)}.")
    if page.sort_dir not in ("asc", "desc"):
        raise exception.InvalidInput(
            reason=f"sort_dir {page.sort_dir!r} is not one of: asc, desc.")


def _sort_column(model: Any, key: str) -> Any:
    column = getattr(model, key)
    if key in ("name", "purpose"):
        # Nullable text: sort missing values as the empty string.
        return sa.func.coalesce(column, "")
    return column


def _after_marker(model: Any, column: Any, page: Page,
                  descending: bool) -> Any:
    key = sa.select(column).where(model.uuid == page.marker).scalar_subquery()
    row_id = (sa.select(model.id).where(model.uuid == page.marker)
              .scalar_subquery())
    if descending:
        return sa.or_(column < key, sa.and_(column == key, model.id < row_id))
    return sa.or_(column > key, sa.and_(column == key, model.id > row_id))


def _after_position(model: Any, column: Any, after: tuple[Any, int],
                    descending: bool) -> Any:
    value, row_id = after
    if descending:
        return sa.or_(column < value,
                      sa.and_(column == value, model.id < row_id))
    return sa.or_(column > value, sa.and_(column == value, model.id > row_id))


def position_of(row: Any, page: Page) -> tuple[Any, int]:
    """The (sort value, id) of ``row`` under ``page``'s sort key, for
    :attr:`Page.after`."""
    value = getattr(row, page.sort_key)
    if page.sort_key in ("name", "purpose") and value is None:
        value = ""
    return value, row.id


def check_marker(session: Any, model: Any, page: Page) -> None:
    """:raises InvalidInput: when the page's marker names no row."""
    if page.marker is None:
        return
    found = session.execute(
        sa.select(model.id).where(model.uuid == page.marker)).first()
    if found is None:
        raise exception.InvalidInput(
            reason=f"marker {page.marker} matches no {model.__tablename__} "
                   "row.")
