"""Who may sit on a hearing: the portal's eligibility rules as a pure function, testable without a database."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

from .record import PoolMember


@dataclass(frozen=True)
class HearingMember:
    """A member of the standing pool (听证员库) as the portal knows them; only id, name and kind are published."""

    id: str
    name: str
    kind: str
    active: bool
    term_start: date
    term_end: date  # inclusive: a member may still sit on the last day of the term
    departments: frozenset[str] = frozenset()  # departments the member works for or is affiliated with


def ineligibility_reasons(
    member: HearingMember,
    hearing_date: date,
    involved_departments: Collection[str],
    busy_member_ids: Collection[str],
    conflicted_member_ids: Collection[str] = (),
) -> list[str]:
    """Codes for every rule the member fails (empty list: eligible), so staff can see why someone is missing."""
    reasons = []
    if not member.active:
        reasons.append("inactive")
    if hearing_date < member.term_start:
        reasons.append("term_not_started")
    if hearing_date > member.term_end:
        reasons.append("term_ended")
    if member.departments & set(involved_departments):
        reasons.append("affiliated_with_involved_department")  # 回避
    if member.id in conflicted_member_ids:
        reasons.append("declared_conflict")  # 回避
    if member.id in busy_member_ids:
        reasons.append("on_another_hearing")
    return reasons


def eligible(
    members: Iterable[HearingMember],
    hearing_date: date,
    involved_departments: Collection[str],
    busy_member_ids: Collection[str],
    conflicted_member_ids: Collection[str] = (),
) -> list[PoolMember]:
    """The pool to freeze: public entries of every eligible member, sorted by id."""
    return sorted(
        (
            PoolMember(id=m.id, name=m.name, kind=m.kind)
            for m in members
            if not ineligibility_reasons(m, hearing_date, involved_departments, busy_member_ids,
                                         conflicted_member_ids)
        ),
        key=lambda member: member.id,
    )
