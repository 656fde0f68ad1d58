"""Bounds on what a visitor may send: ids, numbers and dates the database can store.

Anything outside the bounds is treated as absent (a query argument) or as not found (a path id),
so hostile input gets an ordinary answer instead of an overflow deep inside the database driver.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from flask import abort, request
from werkzeug.routing import BaseConverter, ValidationError

# Every primary and foreign key is an SQL INTEGER: 4 bytes on PostgreSQL.
MAX_ID = 2**31 - 1
# Pages beyond this are never linked; they only cost the database a long skip.
MAX_PAGE = 10_000
# Dates people type: hearings, calls, holidays, progress. Far enough both ways for any record,
# near enough that time-zone arithmetic and every database stay inside their ranges.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST_YEAR, LATEST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year


class IdConverter(BaseConverter):
    """`<id:name>`: a positive integer the database can store, in ASCII digits; anything else is 404.

    Werkzeug's `int` converter accepts any size, so `/suggestions/9223372036854775808` used to
    reach the database and fail there.
    """

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def parse_int(text: Optional[str], minimum: int = 1, maximum: int = MAX_ID) -> Optional[int]:
    """The number written in ASCII digits within [minimum, maximum], else None.

    `str.isdigit()` alone accepts '²' and other digits `int()` refuses or misreads.
    """
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None


def int_arg(name: str, default: Optional[int] = None, *, minimum: int = 1,
            maximum: int = MAX_ID) -> Optional[int]:
    """A whole-number query argument (an id, a count, a year) within bounds, else `default`."""
    number = parse_int(request.args.get(name), minimum, maximum)
    return default if number is None else number


def page_arg(name: str = "page") -> int:
    return int_arg(name, 1, maximum=MAX_PAGE)  # type: ignore[return-value]


def date_arg(name: str) -> Optional[date]:
    """An ISO date query argument within the sane range, else None."""
    try:
        day = date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None
    return day if within_date_range(day) else None


def within_date_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def refuse_nul_in_url() -> None:
    """Before every request: a NUL byte in the path or the query is never a person's doing, and
    PostgreSQL refuses it in any text comparison; answer 400 before a view passes it on."""
    if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                      for key, value in request.args.items(multi=True)):
        abort(400)
