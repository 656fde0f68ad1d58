"""The one paginator: keyset ("seek") pages over an indexed sort key, the same cost on every page.

OFFSET pagination reads and throws away every skipped row, so page 500 of a list cost 500 pages.
Here a page link carries a cursor: the sort-key values of the last (or first) row shown, and the
next page is "the rows just after it" -- one index seek, however deep. Links stay plain links
(no JavaScript) and bookmarkable; a page number travels with the cursor so the reader still sees
"Page 7 of 2 345". Without a cursor the first page is shown: a hand-edited page number alone
cannot make the database skip rows.

Every sort here runs newest-/largest-first on all its keys and ends in the primary key, so the
order is total and a composite index (see the model's __table_args__) serves both directions.
"""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Sequence

from sqlalchemy import Select, bindparam, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from portal.inputs import MAX_PAGE, parse_int

MAX_CURSOR_LENGTH = 200  # a hostile cursor costs nothing: longer ones are ignored unread


@dataclass
class Page:
    items: list
    page: int           # 1-based position of this page, for "Page N of M"
    pages: int
    total: int
    next_cursor: Optional[str] = None
    prev_cursor: Optional[str] = None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


@dataclass(frozen=True)
class PageRequest:
    """What the reader asked for: `after` or `before` a cursor, and the page number to show."""

    after: Optional[str] = None
    before: Optional[str] = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> "PageRequest":
        page = parse_int(args.get("page"), 1, MAX_PAGE) or 1
        return cls(after=args.get("after") or None, before=args.get("before") or None, page=page)


def encode_cursor(values: Sequence[Any]) -> str:
    parts = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: Optional[str], keys: Sequence[InstrumentedAttribute]) -> Optional[list]:
    """The cursor's values typed like `keys`, or None for a missing, foreign or damaged cursor."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        parts = text.split("|")
        if len(parts) != len(keys):
            return None
        values = []
        for part, key in zip(parts, keys):
            kind = getattr(key.type, "impl", key.type).python_type  # through UTCDateTime
            value = datetime.fromisoformat(part) if kind is datetime else kind(part)
            if isinstance(value, datetime) and value.tzinfo is None:
                return None
            values.append(value)
        return values
    except (ValueError, UnicodeDecodeError, binascii.Error, NotImplementedError):
        return None


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def keyset_page(session: Session, query: Select, keys: Sequence[InstrumentedAttribute], request: PageRequest,
                per_page: int, total: int) -> Page:
    """One page of `query` ordered by `keys` descending (the last key unique, e.g. the id).

    `total` is passed in, so callers can take it from a cache instead of counting every time.
    """
    pages = max(1, -(-total // per_page))
    after = decode_cursor(request.after, keys)
    before = decode_cursor(request.before, keys) if after is None else None
    position = tuple_(*keys)

    def bound(values):
        return tuple_(*[bindparam(None, v, type_=k.type) for k, v in zip(keys, values)])

    if before is not None:
        rows = list(session.scalars(query.where(position > bound(before))
                                    .order_by(*[k.asc() for k in keys]).limit(per_page + 1)).unique())
        at_start = len(rows) <= per_page
        items = list(reversed(rows[:per_page]))
        page = 1 if at_start else min(max(request.page, 2), pages)
        has_prev, has_next = not at_start, True
    else:
        if after is not None:
            query = query.where(position < bound(after))
        rows = list(session.scalars(query.order_by(*[k.desc() for k in keys]).limit(per_page + 1)).unique())
        items = rows[:per_page]
        page = min(max(request.page, 2), pages) if after is not None else 1
        has_prev, has_next = after is not None, len(rows) > per_page

    def cursor_of(item) -> str:
        return encode_cursor([getattr(item, k.key) for k in keys])

    return Page(items=items, page=page, pages=pages, total=total,
                next_cursor=cursor_of(items[-1]) if has_next and items else None,
                prev_cursor=cursor_of(items[0]) if has_prev and items else None)
