"""Page-number pagination for pages and keyset (cursor) pagination for the API."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.orm import Session

from channelbase.core.errors import InvalidInput

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def paginate(session: Session, stmt: Select, page: int, per_page: int, *, total: int | None = None) -> Page:
    """One page of `stmt`; `total`, when the caller already knows how many rows match, saves the COUNT."""
    if total is None:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    # Nothing matches: no page to read (and a sorted read may walk a whole index before finding that out).
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page))) if total else []
    return Page(items=items, total=total, page=page, per_page=per_page)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list):
            raise ValueError
        return values
    except ValueError:
        raise InvalidInput("Invalid cursor: pass back the next_cursor value of the previous page.") from None


def keyset_page(session: Session, stmt: Select, sort_column, id_column, descending: bool,
                cursor: str | None, limit: int) -> tuple[list, str | None]:
    """Rows after `cursor` ordered by (sort_column, id); returns them and the next cursor."""
    if cursor:
        last_value, last_id = decode_cursor(cursor)
        key = tuple_(sort_column, id_column)
        stmt = stmt.where(key < (last_value, last_id) if descending else key > (last_value, last_id))
    order = (sort_column.desc(), id_column.desc()) if descending else (sort_column.asc(), id_column.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor([getattr(last, sort_column.key), last.id])
