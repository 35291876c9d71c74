"""Column types: aware-UTC datetimes and JSON dictionaries."""

import datetime
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from esi_leap.common import timeutils


class UTCDateTime(sa.types.TypeDecorator[datetime.datetime]):
    """Stores naive UTC (``DATETIME(6)`` on MySQL), returns aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect: sa.Dialect) -> Any:
        if dialect.name == "mysql":
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())

    def process_bind_param(self, value: datetime.datetime | None,
                           dialect: sa.Dialect) -> datetime.datetime | None:
        if value is None:
            return None
        return timeutils.as_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: datetime.datetime | None,
                             dialect: sa.Dialect) -> datetime.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timeutils.UTC)


class JSONDict(sa.types.TypeDecorator[dict[str, Any]]):
    """A JSON object kept in a text column (ESI-Leap's JsonEncodedDict)."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, Any] | None,
                           dialect: sa.Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value)

    def process_result_value(self, value: str | None,
                             dialect: sa.Dialect) -> dict[str, Any]:
        if not value:
            return {}
        result = json.loads(value)
        return result if isinstance(result, dict) else {}
