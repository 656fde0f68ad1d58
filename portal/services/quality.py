"""Quality review (评查): the weekly sample of published replies, scoring against the office's
checklist, correction by the department and the office's re-check.

The draw is reproducible: the sample for ISO week W records a random value (`nonce`); its seed is
SHA-256("<year>-W<week>:<nonce>"); every reply published in that week (local time) is ranked per
lead department by HMAC-SHA256(seed, "<department id>:<suggestion id>"), and the first N of each
department are drawn. `draw` is that computation alone (no database, no Flask), so anyone with the
seed and the list of published replies can redo it; `flask quality verify --week` does.

A review item changes state only through `apply`, which checks the transition table below and
writes a `QualityReviewEvent`. Functions take the session, may flush, never commit.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Mapping, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    QualityCriterion, QualityReviewEvent, QualityReviewItem, QualitySample, QualityScore, Reply, ReviewState,
    Role, Suggestion, User,
)
from portal.services import deadlines
from portal.timeutil import LOCAL_TZ, local_date, utcnow

DEFAULT_PER_DEPARTMENT = 3
MAX_PER_DEPARTMENT = 50
CORRECTION_WORKING_DAYS = 10
FINDINGS_MAX = 4000

# The seeded checklist: codes shown as translated labels (portal.labels.QUALITY_CRITERION).
SEED_CRITERIA = (
    ("off_topic", "答非所问", "答复没有回应建议提出的问题。"),
    ("procedure_for_substance", "以程序代替实体", "只说明办理程序或转办情况，没有对建议本身作出实质答复。"),
    ("missing_points", "漏答", "建议中的部分事项没有答复。"),
    ("late_unexplained", "超期未说明", "超过办理时限答复，且没有说明原因。"),
    ("no_review_notice", "未告知复查权利", "答复没有告知建议人不满意时可以申请复查及其时限。"),
)


class QualityError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- the state machine, as data ---------------------------------------------------------------

OFFICE = "office"
DEPARTMENT = "department"  # the department whose reply was sampled


@dataclass(frozen=True)
class Transition:
    action: str
    source: ReviewState
    target: ReviewState
    actor: str


R = ReviewState
TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    Transition("pass", R.AWAITING_REVIEW, R.CLOSED, OFFICE),
    Transition("fail", R.AWAITING_REVIEW, R.RETURNED, OFFICE),
    Transition("correct", R.RETURNED, R.CORRECTED, DEPARTMENT),
    Transition("recheck_pass", R.CORRECTED, R.CLOSED, OFFICE),
    Transition("recheck_fail", R.CORRECTED, R.RETURNED, OFFICE),
)}


def relations(user: Optional[User], item: QualityReviewItem) -> set[str]:
    if user is None:
        return set()
    found = set()
    if user.has_role(Role.OFFICE_STAFF):
        found.add(OFFICE)
    if user.has_role(Role.DEPARTMENT_STAFF) and user.department_id == item.department_id:
        found.add(DEPARTMENT)
    return found


def allowed_actions(user: Optional[User], item: QualityReviewItem) -> list[str]:
    mine = relations(user, item)
    return [t.action for t in TRANSITIONS.values() if t.source.value == item.state and t.actor in mine]


def apply(session: Session, item: QualityReviewItem, action: str, actor: Optional[User], note: str = "",
          now: Optional[datetime] = None) -> QualityReviewEvent:
    transition = TRANSITIONS.get(action)
    if transition is None or transition.source.value != item.state:
        raise QualityError("not_now")
    if transition.actor not in relations(actor, item):
        raise QualityError("not_yours")
    now = now or utcnow()
    event = QualityReviewEvent(item=item, actor=actor, action=action, from_state=item.state,
                               to_state=transition.target.value, note=note, created_at=now)
    item.state = transition.target.value
    if transition.target == R.CLOSED:
        item.closed_at = now
    session.add(event)
    session.flush()
    return event


# --- the checklist ----------------------------------------------------------------------------

def criteria(session: Session, *, active_only: bool = False) -> list[QualityCriterion]:
    query = select(QualityCriterion).order_by(QualityCriterion.position, QualityCriterion.id)
    if active_only:
        query = query.where(QualityCriterion.active.is_(True))
    return list(session.scalars(query))


def seed_criteria(session: Session) -> int:
    """Add the common criteria that are missing (by code); returns how many were added."""
    known = set(session.scalars(select(QualityCriterion.code).where(QualityCriterion.code.is_not(None))))
    last = session.scalar(select(func.max(QualityCriterion.position))) or 0
    added = 0
    for code, name, description in SEED_CRITERIA:
        if code in known:
            continue
        added += 1
        session.add(QualityCriterion(code=code, name=name, description=description, position=last + added * 10))
    session.flush()
    return added


def save_criterion(session: Session, criterion: Optional[QualityCriterion], name: str, description: str,
                   position: int, active: bool) -> QualityCriterion:
    name = (name or "").strip()
    if not name:
        raise QualityError("name_required")
    if criterion is None:
        criterion = QualityCriterion()
        session.add(criterion)
    criterion.name = name[:120]
    criterion.description = (description or "").strip()
    criterion.position = position
    criterion.active = active
    session.flush()
    return criterion


# --- the draw ---------------------------------------------------------------------------------

def week_bounds(iso_year: int, iso_week: int) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, Asia/Shanghai, as aware datetimes."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    start = datetime.combine(monday, datetime.min.time(), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=7)


def last_full_week(now: datetime) -> tuple[int, int]:
    year, week, _day = (local_date(now) - timedelta(days=7)).isocalendar()
    return year, week


def parse_week(text: str) -> Optional[tuple[int, int]]:
    """"2026-W47" → (2026, 47); None for anything else (ASCII digits only)."""
    match = re.fullmatch(r"(\d{4})-W(\d{1,2})", (text or "").strip().upper(), re.ASCII)
    if match is None:
        return None
    year, week = int(match.group(1)), int(match.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        return None
    return year, week


def week_label(iso_year: int, iso_week: int) -> str:
    return f"{iso_year}-W{iso_week:02d}"


def seed_for(iso_year: int, iso_week: int, nonce: str) -> str:
    return hashlib.sha256(f"{week_label(iso_year, iso_week)}:{nonce}".encode()).hexdigest()


def rank(seed: str, department_id: int, suggestion_id: int) -> str:
    return hmac.new(seed.encode(), f"{department_id}:{suggestion_id}".encode(), hashlib.sha256).hexdigest()


def draw(seed: str, population: Mapping[int, Sequence[int]], per_department: int) -> dict[int, list[int]]:
    """The drawn suggestion ids per department: pure, so the draw can be checked by anyone."""
    return {department_id: sorted(ids, key=lambda s: rank(seed, department_id, s))[:per_department]
            for department_id, ids in sorted(population.items())}


def population_digest(population: Mapping[int, Sequence[int]]) -> str:
    lines = sorted(f"{d}:{s}" for d, ids in population.items() for s in ids)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def population(session: Session, iso_year: int, iso_week: int) -> dict[int, list[int]]:
    """Replies published in the week, per lead department (live suggestions only, not imported)."""
    start, end = week_bounds(iso_year, iso_week)
    has_reply = select(Reply.id).where(Reply.suggestion_id == Suggestion.id, Reply.kind == "reply").exists()
    rows = session.execute(select(Suggestion.lead_department_id, Suggestion.id).where(
        Suggestion.published_at >= start, Suggestion.published_at < end, Suggestion.imported.is_(False),
        Suggestion.lead_department_id.is_not(None), has_reply).order_by(Suggestion.id))
    found: dict[int, list[int]] = {}
    for department_id, suggestion_id in rows:
        found.setdefault(department_id, []).append(suggestion_id)
    return found


def sample_for(session: Session, iso_year: int, iso_week: int) -> Optional[QualitySample]:
    return session.scalar(select(QualitySample).where(QualitySample.iso_year == iso_year,
                                                      QualitySample.iso_week == iso_week))


def draw_sample(session: Session, iso_year: int, iso_week: int, per_department: int, actor: Optional[User],
                now: Optional[datetime] = None, nonce: Optional[str] = None) -> tuple[QualitySample, bool]:
    """The week's sample, drawn now unless it was drawn before: (sample, newly drawn)."""
    now = now or utcnow()
    existing = sample_for(session, iso_year, iso_week)
    if existing is not None:
        return existing, False
    if week_bounds(iso_year, iso_week)[1] > now:
        raise QualityError("week_not_over")
    if not 1 <= per_department <= MAX_PER_DEPARTMENT:
        raise QualityError("per_department_range")
    nonce = nonce or secrets.token_hex(16)
    seed = seed_for(iso_year, iso_week, nonce)
    people = population(session, iso_year, iso_week)
    sample = QualitySample(iso_year=iso_year, iso_week=iso_week, nonce=nonce, seed=seed,
                           per_department=per_department, population_size=sum(map(len, people.values())),
                           population_digest=population_digest(people), drawn_by=actor, drawn_at=now)
    session.add(sample)
    for department_id, ids in draw(seed, people, per_department).items():
        for suggestion_id in ids:
            sample.items.append(QualityReviewItem(suggestion_id=suggestion_id, department_id=department_id,
                                                  created_at=now))
    session.flush()
    return sample, True


def verify_sample(session: Session, sample: QualitySample) -> bool:
    """Redo the draw from the recorded seed and today's records; True when it gives the same items."""
    people = population(session, sample.iso_year, sample.iso_week)
    if seed_for(sample.iso_year, sample.iso_week, sample.nonce) != sample.seed:
        return False
    again = {s for ids in draw(sample.seed, people, sample.per_department).values() for s in ids}
    return again == {item.suggestion_id for item in sample.items}


# --- scoring, correction, re-check ------------------------------------------------------------

def score(session: Session, item: QualityReviewItem, actor: User, results: Mapping[int, bool], findings: str,
          now: Optional[datetime] = None) -> QualityReviewEvent:
    """Score every active criterion (criterion id → passed). Any failure sends the item back to the
    department with a correction deadline; otherwise it is closed."""
    now = now or utcnow()
    checklist = criteria(session, active_only=True)
    if not checklist:
        raise QualityError("no_criteria")
    if {c.id for c in checklist} - set(results):
        raise QualityError("score_every_criterion")
    findings = (findings or "").strip()
    if len(findings) > FINDINGS_MAX:
        raise QualityError("findings_too_long")
    failed = any(not results[c.id] for c in checklist)
    if failed and not findings:
        raise QualityError("findings_required")
    first = item.state == ReviewState.AWAITING_REVIEW.value
    action = ("fail" if failed else "pass") if first else ("recheck_fail" if failed else "recheck_pass")
    event = apply(session, item, action, actor, note=findings, now=now)
    item.rounds += 1
    for criterion in checklist:
        session.add(QualityScore(item=item, criterion_id=criterion.id, round=item.rounds,
                                 passed=bool(results[criterion.id])))
    if first:
        item.passed_first_time = not failed
    if findings:
        item.findings = findings
    if failed:
        due_day = deadlines.add_working_days(session, local_date(now), CORRECTION_WORKING_DAYS)
        item.correction_due = deadlines.end_of_local_day(due_day)
    else:
        item.correction_due = None
    session.flush()
    return event


def record_correction(session: Session, item: QualityReviewItem, actor: User, correction: str,
                      now: Optional[datetime] = None) -> QualityReviewEvent:
    correction = (correction or "").strip()
    if not correction:
        raise QualityError("correction_required")
    if len(correction) > FINDINGS_MAX:
        raise QualityError("findings_too_long")
    event = apply(session, item, "correct", actor, note=correction, now=now)
    item.correction = correction
    session.flush()
    return event


def failed_criteria(item: QualityReviewItem) -> list[QualityCriterion]:
    """The criteria failed in the latest round."""
    if not item.rounds:
        return []
    return [s.criterion for s in item.scores if s.round == item.rounds and not s.passed]


def department_open_items(session: Session, department_id: int) -> list[QualityReviewItem]:
    """What the department must correct, soonest deadline first."""
    return list(session.scalars(select(QualityReviewItem).where(
        QualityReviewItem.department_id == department_id,
        QualityReviewItem.state == ReviewState.RETURNED.value).order_by(
        QualityReviewItem.correction_due, QualityReviewItem.id)))


# --- figures for the metrics page -------------------------------------------------------------

@dataclass(frozen=True)
class QualityFigures:
    """pass rate = items passed at the first scoring ÷ items scored;
    correction rate = failed items that passed after correction ÷ items that failed."""

    passed: int = 0
    scored: int = 0
    corrected: int = 0
    failed: int = 0


def figures_by_department(session: Session) -> dict[int, QualityFigures]:
    rows = session.execute(select(
        QualityReviewItem.department_id,
        func.count(QualityReviewItem.passed_first_time),
        func.count().filter(QualityReviewItem.passed_first_time.is_(True)),
        func.count().filter(QualityReviewItem.passed_first_time.is_(False)),
        func.count().filter(QualityReviewItem.passed_first_time.is_(False),
                            QualityReviewItem.state == ReviewState.CLOSED.value),
    ).group_by(QualityReviewItem.department_id))
    return {department_id: QualityFigures(passed=passed, scored=scored, corrected=corrected, failed=failed)
            for department_id, scored, passed, failed, corrected in rows}
