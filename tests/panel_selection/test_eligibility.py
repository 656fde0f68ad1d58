"""The pool-freezing rules, outside the database."""

from __future__ import annotations

from datetime import date

import pytest

import panel_selection as ps

HEARING = date(2025, 3, 20)


def member(member_id: str = "m01", **changes) -> ps.HearingMember:
    values = dict(id=member_id, name="王**", kind="律师", active=True, term_start=date(2024, 1, 1),
                  term_end=date(2026, 12, 31), departments=frozenset({"司法局"}))
    values.update(changes)
    return ps.HearingMember(**values)


def reasons(m: ps.HearingMember, busy=(), conflicted=()) -> list[str]:
    return ps.ineligibility_reasons(m, HEARING, {"住建局", "城管局"}, busy, conflicted)


def test_an_active_unconflicted_member_in_term_is_eligible():
    assert reasons(member()) == []


@pytest.mark.parametrize(
    ("changes", "busy", "conflicted", "expected"),
    [
        ({"active": False}, (), (), "inactive"),
        ({"term_start": date(2025, 3, 21)}, (), (), "term_not_started"),
        ({"term_end": date(2025, 3, 19)}, (), (), "term_ended"),
        ({"departments": frozenset({"住建局"})}, (), (), "affiliated_with_involved_department"),
        ({}, ("m01",), (), "on_another_hearing"),
        ({}, (), ("m01",), "declared_conflict"),
    ],
)
def test_each_rule_excludes(changes, busy, conflicted, expected):
    assert reasons(member(**changes), busy, conflicted) == [expected]


def test_term_bounds_are_inclusive():
    assert reasons(member(term_start=HEARING, term_end=HEARING)) == []


def test_eligible_returns_public_entries_sorted_by_id():
    members = [member("m03"), member("m01", active=False), member("m02", departments=frozenset({"城管局"})),
               member("m00")]
    pool = ps.eligible(members, HEARING, {"住建局", "城管局"}, busy_member_ids=set())
    assert pool == [ps.PoolMember("m00", "王**", "律师"), ps.PoolMember("m03", "王**", "律师")]
    assert set(vars(pool[0])) == {"id", "name", "kind"}  # no contact data can leak into the frozen pool
