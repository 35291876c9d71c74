"""``/v1/events``: the event log."""

import dataclasses
from typing import Any

import webob

from esi_leap.api import request as r
from esi_leap.api import streaming
from esi_leap.api import views
from esi_leap.common import policy
from esi_leap.common import projects
from esi_leap.db import events as db_events
from esi_leap.db import pagination
from esi_leap.policies import event as event_policy

LIST_PARAMS = frozenset({"last_event_id", "last_event_time",
                         "lessee_or_owner_id", "event_type",
                         "resource_type", "resource_uuid", "limit"})


def list_events(req: webob.Request) -> webob.Response:
    """GET /v1/events"""
    ctx = r.context_of(req)
    policy.authorize(ctx, event_policy.GET_ALL, {})
    params = r.query(req, LIST_PARAMS)
    filters = db_events.EventFilters(
        event_type=params.get("event_type"),
        resource_type=params.get("resource_type"),
        resource_uuid=params.get("resource_uuid"),
        last_event_time=r.time_param(params, "last_event_time"))
    if "last_event_id" in params:
        filters.last_event_id = r.int_param(params, "last_event_id",
                                            minimum=r.MIN_DB_INTEGER)
    if policy.check(ctx, event_policy.EVENT_ADMIN, {}):
        if "lessee_or_owner_id" in params:
            filters.lessee_or_owner_id = projects.get_directory().resolve(
                params["lessee_or_owner_id"], "lessee_or_owner_id")
    else:
        filters.lessee_or_owner_id = ctx.project_id
    page = r.page_param(params)
    if page.limit is None:
        return streaming.whole_list(
            "events", lambda p: _event_chunk(filters, p), _event_views,
            page)
    events = db_events.event_list(filters, limit=page.limit)
    return r.respond({"events": [views.event_view(e) for e in events]})


def _event_chunk(filters: db_events.EventFilters,
                 page: pagination.Page) -> list[Any]:
    """Events (in id order) after ``page.after``, at most ``page.limit``."""
    if page.after is not None:
        last = filters.last_event_id
        filters = dataclasses.replace(
            filters, last_event_id=max(last or 0, page.after[1]))
    return list(db_events.event_list(filters, limit=page.limit))


def _event_views(events: list[Any]) -> list[Any]:
    return [views.event_view(e) for e in events]
