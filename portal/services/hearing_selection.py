"""Glue between hearings and the `panel_selection` protocol: freeze, commit, reveal, strike, withdraw, verify.

The record (panel_selection's `to_dict`) is stored whole in `Hearing.selection_json`; the final panel
is copied into `HearingSeat` rows. The protocol defines what happens when a side lets a deadline
pass (see docs/panel-selection.md); the portal applies it lazily: `sync` runs on every page that
shows a selection (and `flask hearings sync` for all of them), and once the protocol says the panel
is final it publishes the outcome and fills the seats.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

import panel_selection as ps
from portal.models import Hearing, HearingMember, HearingSeat, HearingStatus
from portal.services.hearings import ACTIVE_STATUSES, HearingError, involved_department_ids
from portal.timeutil import local_date

AUTHORITY, RESIDENT = ps.AUTHORITY, ps.RESIDENT
# Default time each side gets per step (commit, reveal, strike; the authority first, then the resident).
DEFAULT_STEP = timedelta(hours=24)
# The panel must be known this long before the hearing, so members can prepare.
PANEL_READY_BEFORE = timedelta(days=1)


def record_of(hearing: Hearing) -> Optional[ps.SelectionRecord]:
    if not hearing.selection_json:
        return None
    return ps.SelectionRecord.from_dict(json.loads(hearing.selection_json))


def _store(hearing: Hearing, record: ps.SelectionRecord) -> None:
    hearing.selection_json = json.dumps(record.to_dict(), ensure_ascii=False, indent=1)
    hearing.pool_hash = record.pool_hash


def _refused(error: ps.SelectionError) -> HearingError:
    return HearingError("selection_refused", refusal=error.code, detail=error.message)


# --- eligibility and freezing --------------------------------------------------------------------------

@dataclass
class Eligibility:
    member: HearingMember
    reasons: list[str]


def _busy_member_ids(session: Session, hearing: Hearing) -> set[str]:
    """Members seated on another hearing the same day (Asia/Shanghai) that is not cancelled."""
    day = local_date(hearing.starts_at)
    rows = session.execute(
        select(HearingSeat.member_id, Hearing.starts_at).join(Hearing, HearingSeat.hearing_id == Hearing.id)
        .where(Hearing.id != hearing.id, Hearing.status != HearingStatus.CANCELLED.value)).all()
    return {str(member_id) for member_id, starts_at in rows if local_date(starts_at) == day}


def eligibility(session: Session, hearing: Hearing, declared_conflicts: set[int] = frozenset()) -> list[Eligibility]:
    """Every member of the pool with the rules they fail (empty: eligible), for the authority's page."""
    involved = {str(i) for i in involved_department_ids(hearing)}
    busy = _busy_member_ids(session, hearing)
    members = session.scalars(select(HearingMember).order_by(HearingMember.id)).all()
    conflicted = {str(m.id) for m in members if m.id in declared_conflicts
                  or {str(d.id) for d in m.conflict_departments} & involved}
    result = []
    for member in members:
        candidate = _candidate(member)
        reasons = ps.ineligibility_reasons(candidate, local_date(hearing.starts_at), involved, busy, conflicted)
        result.append(Eligibility(member, reasons))
    return result


def _candidate(member: HearingMember) -> ps.HearingMember:
    return ps.HearingMember(
        id=str(member.id), name=member.name, kind=member.kind, active=member.active,
        term_start=member.term_start, term_end=member.term_end,
        departments=frozenset({str(member.department_id)} if member.department_id else set()),
    )


def freeze(session: Session, hearing: Hearing, now: datetime, step: timedelta = DEFAULT_STEP,
           declared_conflicts: set[int] = frozenset()) -> ps.SelectionRecord:
    """Freeze the eligible pool and open the selection with six deadlines `step` apart."""
    if hearing.selection_json:
        raise HearingError("already_frozen")
    if hearing.status not in ACTIVE_STATUSES:
        raise HearingError("hearing_not_active")
    deadlines = ps.Deadlines.spaced(now + step, step)
    if deadlines.resident_strikes_by > hearing.starts_at - PANEL_READY_BEFORE:
        raise HearingError("selection_too_long")
    pool = [ps.PoolMember(e.member.id, e.member.name, e.member.kind)
            for e in eligibility(session, hearing, declared_conflicts) if not e.reasons]
    try:
        record = ps.start_selection(
            hearing_ref=hearing.reference, hearing_date=local_date(hearing.starts_at),
            panel_size=hearing.panel_size, strikes_per_side=hearing.strikes_per_side, pool=pool,
            frozen_at=now, deadlines=deadlines)
    except ps.PoolTooSmall as error:
        raise HearingError("pool_too_small", size=error.pool_size, needed=error.needed) from None
    except ps.InvalidSetup as error:
        raise _refused(error) from None
    _store(hearing, record)
    session.flush()
    return record


# --- the steps -----------------------------------------------------------------------------------------

def _require_record(hearing: Hearing) -> ps.SelectionRecord:
    record = record_of(hearing)
    if record is None:
        raise HearingError("not_frozen")
    if hearing.status not in ACTIVE_STATUSES:
        raise HearingError("hearing_not_active")
    return record


def commit(session: Session, hearing: Hearing, side: str, now: datetime, *, secret: str = "",
           commitment: str = "") -> str:
    """Record a side's commitment: from a secret (which is not kept) or a commitment computed elsewhere."""
    record = _require_record(hearing)
    if secret:
        try:
            ps.check_secret(secret)
        except ps.InvalidSecret:
            raise HearingError("secret_invalid", min=ps.SECRET_MIN_LENGTH, max=ps.SECRET_MAX_LENGTH) from None
        commitment = record.commitment_for(side, secret)
    commitment = commitment.strip().lower()
    if not commitment:
        raise HearingError("secret_missing")
    try:
        record = ps.record_commitment(record, side, commitment, now)
    except ps.SelectionError as error:
        raise _refused(error) from None
    _store(hearing, record)
    sync(session, hearing, now)
    return commitment


def reveal(session: Session, hearing: Hearing, side: str, secret: str, now: datetime) -> None:
    record = _require_record(hearing)
    try:
        record = ps.record_reveal(record, side, secret, now)
    except ps.SelectionError as error:
        raise _refused(error) from None
    _store(hearing, record)
    sync(session, hearing, now)


def strike(session: Session, hearing: Hearing, side: str, strikes: list[tuple[str, str]], now: datetime) -> None:
    """A side's whole list of strikes (member id, reason), once; an empty list waives them."""
    record = _require_record(hearing)
    if any(not reason.strip() for _member, reason in strikes):
        raise HearingError("strike_reason_missing")
    try:
        record = ps.record_strikes(record, side, [(m, r.strip()) for m, r in strikes], now)
    except ps.SelectionError as error:
        raise _refused(error) from None
    _store(hearing, record)
    sync(session, hearing, now)


def withdraw(session: Session, hearing: Hearing, member_id: int, reason: str, now: datetime) -> Optional[int]:
    """Record a member's withdrawal; the next name in the draw order takes the seat. Returns its member id."""
    _require_record(hearing)
    sync(session, hearing, now)  # a panel that became final by deadline must be published first
    record = record_of(hearing)
    if not reason.strip():
        raise HearingError("reason_missing")
    try:
        record = ps.record_withdrawal(record, str(member_id), reason.strip(), now)
    except ps.SelectionError as error:
        raise _refused(error) from None
    _store(hearing, record)
    sync(session, hearing, now)
    replacement = record.outcome.replacements[-1].replacement if record.outcome else None
    return int(replacement) if replacement is not None else None


def current_phase(hearing: Hearing, now: datetime) -> Optional[ps.Phase]:
    record = record_of(hearing)
    return None if record is None else ps.phase(record, now)


def record_as_of(hearing: Hearing, now: datetime) -> Optional[ps.SelectionRecord]:
    """The stored record, with its outcome once the panel is final at ``now``: computed, not stored.

    Pages read this rather than apply passed deadlines themselves, so a GET never writes; ``sync``
    stores the same outcome (``flask hearings sync``, or the next action on the hearing). The
    outcome follows from the record alone, so what a page shows is what will be stored.
    """
    record = record_of(hearing)
    return None if record is None else _with_outcome(record, now)


def _with_outcome(record: ps.SelectionRecord, now: datetime) -> ps.SelectionRecord:
    if record.outcome is None and ps.phase(record, now).name == ps.PANEL_FINAL:
        return ps.publish(record, now)
    return record


@dataclass(frozen=True)
class PanelSeat:
    member_id: int
    name: str
    kind: str


def panel_as_of(hearing: Hearing, now: datetime) -> list[PanelSeat]:
    """The final panel in seat order: the stored seats, or, once the last deadline has passed and
    before ``sync`` has stored them, the seats the record's outcome gives (names and kinds as the
    record's pool publishes them). Empty while the selection is open."""
    if hearing.seats:
        return [PanelSeat(seat.member_id, seat.member.name, seat.member.kind) for seat in hearing.seats]
    record = record_as_of(hearing, now) if hearing.selection_json else None
    if record is None or record.outcome is None:
        return []
    pool = {member.id: member for member in record.pool}
    return [PanelSeat(int(m), pool[m].name, pool[m].kind) for m in record.outcome.final_panel]


def panel_is_final(hearing: Hearing, now: datetime) -> bool:
    """Whether the panel is final at ``now`` (stored or not yet), without loading its members."""
    if hearing.seats:
        return True
    record = record_as_of(hearing, now) if hearing.selection_json else None
    return record is not None and record.outcome is not None


def sync(session: Session, hearing: Hearing, now: datetime) -> bool:
    """Apply passed deadlines: publish the outcome once the panel is final, and copy it to the seats.

    Idempotent; returns True when it changed something (the caller commits).
    """
    stored = record_of(hearing)
    if stored is None:
        return False
    changed = False
    record = _with_outcome(stored, now)
    if record is not stored:
        _store(hearing, record)
        hearing.selection_final_at = now
        changed = True
    if record.outcome is not None:
        wanted = [int(m) for m in record.outcome.final_panel]
        if [s.member_id for s in hearing.seats] != wanted:
            hearing.seats.clear()
            session.flush()  # the unique seat numbers must be free before they are reused
            hearing.seats.extend(HearingSeat(member_id=m, seat=i) for i, m in enumerate(wanted, start=1))
            changed = True
    if changed:
        session.flush()
    return changed


def members_by_id(session: Session, record: ps.SelectionRecord) -> dict[str, HearingMember]:
    ids = [int(m.id) for m in record.pool]
    return {str(m.id): m for m in session.scalars(select(HearingMember).where(HearingMember.id.in_(ids or [0])))}


# --- verification --------------------------------------------------------------------------------------

@dataclass
class Verification:
    ok: bool
    lines: list[str]


def verify_stored(hearing: Hearing) -> Verification:
    """Run the protocol's verifier on the stored record, and check that what the portal shows matches it."""
    if not hearing.selection_json:
        return Verification(False, ["INVALID: no selection has been recorded for this hearing"])
    try:
        data = json.loads(hearing.selection_json)
    except ValueError as error:
        return Verification(False, [f"INVALID: the stored record is not JSON ({error})"])
    report = ps.verify(data)
    lines = report.render().splitlines()
    ok = report.ok
    if isinstance(data, dict) and hearing.pool_hash != data.get("pool_hash"):
        ok = False
        lines.append("  [portal_pool_hash_mismatch] the pool hash shown on the hearing page differs from the record")
    if report.outcome is not None:
        shown = [str(seat.member_id) for seat in hearing.seats]
        if shown != list(report.outcome.final_panel):
            ok = False
            lines.append("  [portal_panel_mismatch] the panel shown on the hearing page is not the recomputed panel")
    if not ok and lines and lines[0].startswith("OK"):
        lines[0] = "INVALID: the record verifies, but the hearing page shows something else"
    return Verification(ok, lines)
