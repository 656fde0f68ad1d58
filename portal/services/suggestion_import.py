"""Import suggestions from a previous system's export (JSON lines), as published suggestions.

Row shape (the shared real messages): ``id, title, body, time`` and optionally ``category``
(Chinese name), ``reply`` + ``reply_time`` (the department's published answer), ``likes``.

Idempotent by ``id`` (kept as `Suggestion.external_id`): rows already imported are skipped.
Every row is marked `Suggestion.imported`: history stays searchable and in open data (labelled),
but never enters the live queues, workbenches, digest or metrics.

Why statuses are set here rather than through `workflow.apply_transition`: the state machine
lets only office staff accept and dispatch and only the lead department reply; an import has no
such actor (the system, None, may only close). Legacy records also need their historical times,
not "now". So `_legacy_step` follows the same transition table (it refuses a step the table does
not allow from the current status) and writes the same audit row, one per change of status,
with no actor, the historical time and a note saying it was imported.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Category, Channel, Dispatch, Reply, Status, Suggestion, SuggestionEvent
from portal.services.workflow import TRANSITIONS, TransitionNotAllowed
from portal.timeutil import LOCAL_TZ

IMPORT_NOTE = "imported from the previous system"
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
TITLE_MAX = 200


class ImportRowError(ValueError):
    """A row cannot be imported; the message says which field is wrong."""


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0  # already imported (same id)
    replied: int = 0
    without_category: int = 0
    unknown_categories: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def parse_time(value: Any) -> datetime:
    """A local (Asia/Shanghai) time as the export writes it → an aware datetime."""
    text = str(value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    raise ImportRowError(f"unreadable time {text!r}")


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, json.loads(line)


def _legacy_step(session: Session, suggestion: Suggestion, action: str, at: datetime) -> None:
    transition = TRANSITIONS[action]
    if suggestion.status not in {s.value for s in transition.sources}:
        raise TransitionNotAllowed(action, suggestion.status, "not allowed from this status")
    session.add(SuggestionEvent(suggestion=suggestion, actor=None, action=action, from_status=suggestion.status,
                                to_status=transition.target.value, note=IMPORT_NOTE, is_public=transition.public,
                                created_at=at))
    suggestion.status = transition.target.value


def import_rows(session: Session, rows: Iterable[tuple[int, dict[str, Any]]]) -> ImportResult:
    """Create a published suggestion per new row; flushes, never commits."""
    result = ImportResult()
    categories = {c.name: c for c in session.scalars(select(Category))}
    seen = set(session.scalars(select(Suggestion.external_id).where(Suggestion.external_id.is_not(None))))
    for number, row in rows:
        external_id = str(row.get("id", "")).strip()
        if not external_id:
            result.errors.append(f"line {number}: no id")
            continue
        if external_id in seen:
            result.skipped += 1
            continue
        try:
            suggestion = _import_row(session, row, external_id, categories, result)
        except ImportRowError as exc:
            result.errors.append(f"line {number} (id {external_id}): {exc}")
            continue
        seen.add(external_id)
        result.created += 1
        result.replied += suggestion.status == Status.REPLIED.value
    session.flush()
    return result


def _import_row(session: Session, row: dict[str, Any], external_id: str, categories: dict[str, Category],
                result: ImportResult) -> Suggestion:
    title = str(row.get("title") or "").strip()
    body = str(row.get("body") or "").strip()
    if not title or not body:
        raise ImportRowError("title and body are required")
    submitted = parse_time(row.get("time"))
    category_name = str(row.get("category") or "").strip()
    category: Optional[Category] = categories.get(category_name) if category_name else None
    if category is None:
        result.without_category += 1
        if category_name:
            result.unknown_categories[category_name] = result.unknown_categories.get(category_name, 0) + 1
    try:
        likes = max(0, int(row.get("likes") or 0))
    except (TypeError, ValueError):
        raise ImportRowError("likes is not a number")
    suggestion = Suggestion(
        tracking_number=f"IMP{external_id}"[:20], external_id=external_id, title=title[:TITLE_MAX], problem=body,
        measures="", category=category, channel=Channel.IMPORT.value, submitted_at=submitted,
        support_count=likes, status=Status.SUBMITTED.value, imported=True,
    )
    session.add(suggestion)
    _legacy_step(session, suggestion, "accept", submitted)
    suggestion.accepted_at = submitted
    department = category.default_department if category is not None else None
    reply_text = str(row.get("reply") or "").strip()
    replied = parse_time(row.get("reply_time")) if reply_text else None
    if department is not None:
        suggestion.lead_department = department
        session.add(Dispatch(suggestion=suggestion, department=department, role="lead", dispatched_at=submitted))
        _legacy_step(session, suggestion, "dispatch", submitted)
        suggestion.dispatched_at = submitted
    if reply_text:
        if department is None:
            # The export names no handling department for this reply; keep the reply (it is the
            # public answer) and the audit row, with no lead department rather than a guessed one.
            session.add(SuggestionEvent(suggestion=suggestion, action="dispatch", from_status=suggestion.status,
                                        to_status=Status.DISPATCHED.value, note=IMPORT_NOTE + " (department unknown)",
                                        created_at=submitted))
            suggestion.status = Status.DISPATCHED.value
            suggestion.dispatched_at = submitted
        session.add(Reply(suggestion=suggestion, kind="reply", body=reply_text, department=department,
                          created_at=replied))
        _legacy_step(session, suggestion, "reply", replied)
        suggestion.replied_at = replied
        suggestion.published_at = replied
        session.add(SuggestionEvent(suggestion=suggestion, action="published", note=IMPORT_NOTE, created_at=replied))
    return suggestion
