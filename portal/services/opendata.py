"""Open data: public suggestions and the metrics, as rows for CSV and JSON Lines downloads.

Only public suggestions (accepted ones: `Suggestion.is_public`) are exported. The department's
decision, reply and conversions are included only once published. Every record is built from the
public view (`portal.services.public_views`), so all text is masked; the author appears as the masked name or empty (anonymous), never the
real name; contact data, e-mail and phone numbers are never read. Rows are produced in batches by
primary key, so an export of any size streams with bounded memory.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Iterable, Iterator, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import (
    PUBLIC_STATUSES, Category, Conversion, Department, District, Reply, Suggestion,
)
from portal.services.metrics import METRIC_CODES, compute_by_department, period_bounds, year_bounds
from portal.services.public_views import public_suggestion
from portal.timeutil import local_date

BATCH_SIZE = 500

SUGGESTION_FIELDS = (
    "tracking_number", "title", "problem", "measures", "category", "category_en", "district", "district_en",
    "lead_department", "lead_department_en", "status", "channel", "submitted_on", "accepted_on", "replied_on",
    "support_count", "author", "published_on", "decision", "reply", "conversion_types",
    "conversion_descriptions", "conversion_outcomes",
)
# Fields present only once the department has published its decision.
PUBLISHED_ONLY = ("published_on", "decision", "reply", "conversion_types", "conversion_descriptions",
                  "conversion_outcomes")


def _day(moment) -> Optional[str]:
    return local_date(moment).isoformat() if moment is not None else None


def _names(table: dict, key: Optional[int]) -> tuple[str, str]:
    item = table.get(key)
    return (item.name, item.name_en) if item is not None else ("", "")


def number_text(value) -> str:
    """50.00 → "50", 12.50 → "12.5": outcome values as people write them."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class _References:
    """Departments, categories and districts, read once per export (small tables)."""

    def __init__(self, session: Session):
        self.departments = {d.id: d for d in session.scalars(select(Department))}
        self.categories = {c.id: c for c in session.scalars(select(Category))}
        self.districts = {d.id: d for d in session.scalars(select(District))}


def public_record(s: Suggestion, refs: _References) -> dict:
    """One suggestion as open data: nested lists for JSON; `flatten` makes a CSV row of it."""
    view = public_suggestion(s, with_replies=True, with_conversions=True)
    category, category_en = _names(refs.categories, s.category_id)
    district, district_en = _names(refs.districts, s.district_id)
    department, department_en = _names(refs.departments, s.lead_department_id)
    record = dict(
        tracking_number=s.tracking_number, title=view.title, problem=view.problem, measures=view.measures,
        category=category, category_en=category_en, district=district, district_en=district_en,
        lead_department=department, lead_department_en=department_en, status=s.status, channel=s.channel,
        submitted_on=_day(s.submitted_at), accepted_on=_day(s.accepted_at), replied_on=_day(s.replied_at),
        support_count=s.support_count, author=view.author,
        published_on=None, decision=None, reply=None, conversions=[],
    )
    if view.published_at is not None:
        replies = [r for r in view.replies if r.kind == "reply"]
        record.update(
            published_on=_day(view.published_at), decision=view.decision,
            reply=replies[-1].body if replies else None,
            conversions=[dict(type=c.type, description=c.description, started_on=c.started_on.isoformat(),
                              outcomes=[dict(name=o.name, value=number_text(o.value), unit=o.unit) for o in c.outcomes])
                         for c in view.conversions],
        )
    return record


def public_records(session: Session, year: Optional[int] = None) -> Iterator[dict]:
    """Public suggestions (submitted in `year`, by the date in Shanghai), oldest first, in batches."""
    conditions = [Suggestion.status.in_([s.value for s in PUBLIC_STATUSES])]
    if year is not None:
        lower, upper = period_bounds(*year_bounds(year))
        conditions += [Suggestion.submitted_at >= lower, Suggestion.submitted_at < upper]
    refs = _References(session)
    last_id = 0
    while True:
        batch = session.scalars(
            select(Suggestion).where(*conditions, Suggestion.id > last_id).order_by(Suggestion.id)
            .limit(BATCH_SIZE)
            .options(selectinload(Suggestion.author), selectinload(Suggestion.replies).selectinload(Reply.rating),
                     selectinload(Suggestion.themed_call),
                     selectinload(Suggestion.conversions).selectinload(Conversion.outcomes),
                     selectinload(Suggestion.conversions).selectinload(Conversion.progress))
        ).all()
        if not batch:
            return
        for suggestion in batch:
            yield public_record(suggestion, refs)
        last_id = batch[-1].id


def flatten(record: dict) -> dict:
    """A CSV row: conversions joined into three text columns ("; " between conversions)."""
    row = {key: record.get(key) for key in SUGGESTION_FIELDS if key in record}
    conversions = record["conversions"]
    row["conversion_types"] = "; ".join(c["type"] for c in conversions)
    row["conversion_descriptions"] = "; ".join(c["description"] for c in conversions)
    row["conversion_outcomes"] = "; ".join(
        ", ".join(f"{o['name']} {o['value']}{o['unit']}" for o in c["outcomes"]) for c in conversions)
    return row


# Spreadsheets run a cell starting with these as a formula (CSV injection); a leading apostrophe
# makes it text. Residents' text is untrusted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_stream(header: Iterable[str], rows: Iterable[dict]) -> Iterator[str]:
    """CSV text in chunks, beginning with a byte-order mark so that Excel reads UTF-8 Chinese."""
    header = list(header)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(key)) for key in header])
        if n % BATCH_SIZE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def jsonl_stream(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


METRICS_FIELDS = ("department", "department_en", "period_start", "period_end") + tuple(
    f"{code}_{part}" for code in METRIC_CODES for part in ("numerator", "denominator", "rate"))


def metrics_rows(session: Session, year: Optional[int] = None, now=None) -> list[dict]:
    """One row per lead department with data, then the overall row (department "all")."""
    start, end = year_bounds(year) if year is not None else (None, None)
    overall, by_department = compute_by_department(session, start=start, end=end, now=now)
    departments = {d.id: d for d in session.scalars(select(Department))}

    def row(name: str, name_en: str, metrics) -> dict:
        values = dict(department=name, department_en=name_en, period_start=_iso(start), period_end=_iso(end))
        for code, ratio in metrics.items():
            values[f"{code}_numerator"] = ratio.numerator
            values[f"{code}_denominator"] = ratio.denominator
            values[f"{code}_rate"] = "" if ratio.rate is None else f"{ratio.rate:.4f}"
        return values

    rows = [row(departments[key].name, departments[key].name_en, metrics)
            for key, metrics in sorted(by_department.items(), key=lambda item: departments[item[0]].slug
                                       if item[0] is not None else "~") if key is not None]
    if None in by_department:
        rows.append(row("（无牵头部门）", "(no lead department)", by_department[None]))
    rows.append(row("全部", "all", overall))
    return rows


def _iso(day: Optional[date]) -> str:
    return day.isoformat() if day else ""
