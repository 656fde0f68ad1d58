"""A selection as the portal runs it: phases, refusals, fallbacks, strikes and withdrawals."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

import panel_selection as ps
from panel_selection import AUTHORITY, RESIDENT


def refusal(action, *args) -> str:
    with pytest.raises(ps.ActionRefused) as error:
        action(*args)
    return error.value.code


def test_happy_path_walks_every_phase_in_order(sel):
    record = sel.start()
    t = sel.T0
    seen = [ps.phase(record, t).name]
    record = ps.record_commitment(record, AUTHORITY, record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET), t)
    seen.append(ps.phase(record, t).name)
    # Each window opens as soon as the previous action is in, not only at the previous deadline.
    steps = [
        lambda r, t: ps.record_commitment(r, RESIDENT, r.commitment_for(RESIDENT, sel.RESIDENT_SECRET), t),
        lambda r, t: ps.record_reveal(r, AUTHORITY, sel.AUTHORITY_SECRET, t),
        lambda r, t: ps.record_reveal(r, RESIDENT, sel.RESIDENT_SECRET, t),
        lambda r, t: ps.record_strikes(r, AUTHORITY, [(ps.phase(r, t).shortlist[0], "同事关系")], t),
        lambda r, t: ps.record_strikes(r, RESIDENT, [(ps.phase(r, t).shortlist[1], "曾处理本案")], t),
    ]
    for step in steps:
        t += timedelta(minutes=10)
        record = step(record, t)
        seen.append(ps.phase(record, t).name)
    assert seen == ["authority_commit", "resident_commit", "authority_reveal", "resident_reveal",
                    "authority_strikes", "resident_strikes", "panel_final"]
    final = ps.phase(record, t)
    assert final.shortlist is not None and final.panel is not None
    assert final.struck == final.shortlist[:2]
    assert final.panel == final.shortlist[2:7]
    assert final.fallbacks == ()
    record = ps.publish(record, t)
    assert ps.verify(record).ok


def test_honest_record_with_withdrawals(sel):
    record = sel.honest()
    outcome = record.outcome
    assert outcome is not None and len(record.pool) == 12
    assert len(outcome.shortlist) == 7 and len(outcome.panel) == 5
    assert outcome.struck == outcome.shortlist[:2]
    # Seat 2 withdraws first: the next unused, unstruck name in the order is the 8th (shortlist is full).
    assert outcome.replacements[0] == ps.Replacement(outcome.panel[2], outcome.order[7])
    assert outcome.replacements[1] == ps.Replacement(outcome.panel[0], outcome.order[8])
    assert outcome.final_panel == (outcome.order[8], *outcome.panel[1:2], outcome.order[7], *outcome.panel[3:])
    report = ps.verify(record)
    assert report.ok, report.render()
    assert report.outcome == outcome


def test_phase_reports_deadline_and_strikes_allowed(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    current = ps.phase(record, sel.STRIKE_AT[AUTHORITY])
    assert (current.name, current.side, current.action) == ("authority_strikes", AUTHORITY, "strikes")
    assert current.deadline == record.deadlines.authority_strikes_by
    assert current.strikes_allowed == 1 and current.allows("strikes", AUTHORITY)
    assert not current.allows("strikes", RESIDENT)


# --- neither side can choose its secret after seeing the other's ---------------------------------------

def test_resident_cannot_commit_before_the_authority(sel):
    record = sel.start()
    code = refusal(ps.record_commitment, record, RESIDENT, record.commitment_for(RESIDENT, sel.RESIDENT_SECRET),
                   sel.T0 + sel.HOUR)
    assert code == "commit_out_of_order"


def test_no_reveal_before_both_commitments(sel):
    record = sel.start()
    record = ps.record_commitment(record, AUTHORITY, record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET),
                                  sel.T0 + sel.HOUR)
    code = refusal(ps.record_reveal, record, AUTHORITY, sel.AUTHORITY_SECRET, sel.T0 + 2 * sel.HOUR)
    assert code == "reveal_before_all_commits"


def test_reveal_in_the_same_instant_as_the_last_commitment_is_refused(sel):
    record = sel.start()
    t = sel.T0 + sel.HOUR
    record = ps.record_commitment(record, AUTHORITY, record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET), t)
    # Likewise the resident cannot commit in the very instant of the authority's commitment.
    assert refusal(ps.record_commitment, record, RESIDENT, record.commitment_for(RESIDENT, sel.RESIDENT_SECRET),
                   t) == "commit_out_of_order"
    t += sel.HOUR
    record = ps.record_commitment(record, RESIDENT, record.commitment_for(RESIDENT, sel.RESIDENT_SECRET), t)
    assert refusal(ps.record_reveal, record, AUTHORITY, sel.AUTHORITY_SECRET, t) == "reveal_before_all_commits"


def test_a_secret_that_does_not_match_the_commitment_is_refused(sel):
    record = sel.run(sel.start(), reveals=(), publish=False)
    code = refusal(ps.record_reveal, record, AUTHORITY, "a different secret chosen later", sel.REVEAL_AT[AUTHORITY])
    assert code == "commitment_mismatch"


def test_resident_reveals_only_after_the_authority(sel):
    record = sel.run(sel.start(), reveals=(), publish=False)
    code = refusal(ps.record_reveal, record, RESIDENT, sel.RESIDENT_SECRET, sel.REVEAL_AT[AUTHORITY])
    assert code == "reveal_out_of_order"


def test_resident_strikes_only_after_the_authority(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    shortlist = ps.phase(record, sel.STRIKE_AT[AUTHORITY]).shortlist
    code = refusal(ps.record_strikes, record, RESIDENT, [(shortlist[0], "x")], sel.STRIKE_AT[AUTHORITY])
    assert code == "strike_out_of_order"


def test_actions_after_their_deadline_are_refused(sel):
    record = sel.start()
    late = record.deadlines.authority_commit_by + timedelta(seconds=1)
    code = refusal(ps.record_commitment, record, AUTHORITY,
                   record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET), late)
    assert code == "commit_after_deadline"


def test_an_action_at_exactly_its_deadline_is_in_time(sel):
    record = sel.start()
    at = record.deadlines.authority_commit_by
    record = ps.record_commitment(record, AUTHORITY, record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET), at)
    assert ps.phase(record, at).name == "resident_commit"


def test_actions_cannot_be_back_dated(sel):
    record = sel.run(sel.start(), reveals=(), publish=False)
    code = refusal(ps.record_reveal, record, AUTHORITY, sel.AUTHORITY_SECRET, sel.T0 + 2 * sel.HOUR)
    assert code == "not_chronological"


@pytest.mark.parametrize(
    ("strikes", "code"),
    [
        ([("m99", "不在名单")], "strike_not_in_shortlist"),
        ([(0, "a"), (1, "b")], "too_many_strikes"),
        ([(0, "   ")], "strike_reason_missing"),
    ],
)
def test_bad_strikes_are_refused(sel, strikes, code):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    at = sel.STRIKE_AT[AUTHORITY]
    shortlist = ps.phase(record, at).shortlist
    chosen = [(shortlist[m] if isinstance(m, int) else m, reason) for m, reason in strikes]
    assert refusal(ps.record_strikes, record, AUTHORITY, chosen, at) == code


def test_duplicate_strike_in_one_submission_is_refused(sel):
    record = sel.run(sel.start(strikes_per_side=2), authority_strikes=None, resident_strikes=None, publish=False)
    at = sel.STRIKE_AT[AUTHORITY]
    first = ps.phase(record, at).shortlist[0]
    assert refusal(ps.record_strikes, record, AUTHORITY, [(first, "a"), (first, "b")], at) == "duplicate_strike"


def test_second_strike_submission_is_refused(sel):
    record = sel.run(sel.start(), resident_strikes=None, publish=False)
    assert refusal(ps.record_strikes, record, AUTHORITY, [], sel.STRIKE_AT[RESIDENT]) == "duplicate_strike_submission"


def test_strikes_are_refused_when_there_are_none(sel):
    record = sel.run(sel.start(strikes_per_side=0), authority_strikes=None, resident_strikes=None, publish=False)
    assert ps.phase(record, sel.STRIKE_AT[AUTHORITY]).name == ps.PANEL_FINAL
    assert refusal(ps.record_strikes, record, AUTHORITY, [], sel.STRIKE_AT[AUTHORITY]) == "strikes_not_allowed"


def test_publish_before_the_panel_is_final_is_refused(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    assert refusal(ps.publish, record, sel.STRIKE_AT[AUTHORITY]) == "selection_not_final"


# --- strikes -------------------------------------------------------------------------------------------

def test_both_sides_striking_the_same_name_count_for_both(sel):
    record = sel.run(sel.start(), authority_strikes=(0,), resident_strikes=(0,))
    outcome = record.outcome
    assert outcome.struck == outcome.shortlist[:1]
    assert outcome.panel == outcome.shortlist[1:6]  # still the first n unstruck names
    assert ps.verify(record).ok


@pytest.mark.parametrize("k", [1, 2])
def test_shortlist_always_leaves_a_full_panel(sel, k):
    record = sel.run(sel.start(panel_size=7, strikes_per_side=k, pool_size=11),
                     authority_strikes=tuple(range(k)), resident_strikes=tuple(range(k, 2 * k)))
    assert record.outcome.panel == record.outcome.shortlist[2 * k:]
    assert ps.verify(record).ok


# --- fallbacks ------------------------------------------------------------------------------------------

def test_no_strikes_by_the_deadline_means_zero_strikes(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None)
    outcome = record.outcome
    assert outcome.struck == () and outcome.panel == outcome.shortlist[:5]
    assert outcome.fallbacks == (ps.Fallback(AUTHORITY, "strikes_lapsed"), ps.Fallback(RESIDENT, "strikes_lapsed"))
    assert ps.verify(record).ok


@pytest.mark.parametrize("side", [AUTHORITY, RESIDENT])
def test_a_side_that_never_commits_gets_the_public_stand_in_and_keeps_its_strikes(sel, side):
    other = RESIDENT if side == AUTHORITY else AUTHORITY
    record = sel.run(sel.start(), commits=(other,))
    outcome = record.outcome
    assert outcome.fallbacks == (ps.Fallback(side, "no_commit"),)
    assert len(outcome.struck) == 2  # both sides still struck one name each
    contribution = {side: ps.protocol.no_commit_contribution(side, record.setup_hash()),
                    other: ps.protocol.revealed_contribution(
                        sel.AUTHORITY_SECRET if other == AUTHORITY else sel.RESIDENT_SECRET)}
    assert outcome.seed == ps.protocol.seed_from(record.setup_hash(), contribution[RESIDENT], contribution[AUTHORITY])
    assert ps.verify(record).ok


def test_authority_default_moves_the_resident_commit_window_not_the_deadline(sel):
    record = sel.start()
    at = record.deadlines.authority_commit_by + timedelta(seconds=1)
    assert ps.phase(record, at).name == "resident_commit"
    record = ps.record_commitment(record, RESIDENT, record.commitment_for(RESIDENT, sel.RESIDENT_SECRET), at)
    assert ps.phase(record, at).name == "resident_reveal"  # the authority has nothing to reveal


@pytest.mark.parametrize("side", [AUTHORITY, RESIDENT])
def test_a_side_that_does_not_reveal_is_replaced_by_its_commitment_and_loses_its_strikes(sel, side):
    other = RESIDENT if side == AUTHORITY else AUTHORITY
    record = sel.run(sel.start(), reveals=(other,))
    outcome = record.outcome
    assert outcome.fallbacks == (ps.Fallback(side, "no_reveal"), ps.Fallback(side, "strikes_forfeited"))
    commitment = next(c.commitment for c in record.commitments if c.side == side)
    assert ps.protocol.no_reveal_contribution(side, commitment) in {
        s.data.get("contribution") for s in ps.steps(record) if s.code == "reveal_withheld"}
    struck_by_other = 0 if other == AUTHORITY else 1  # the run's default strike positions
    assert outcome.struck == (outcome.shortlist[struck_by_other],)
    assert ps.verify(record).ok


def test_a_side_without_a_reveal_cannot_strike(sel):
    record = sel.run(sel.start(), reveals=(RESIDENT,), authority_strikes=None, resident_strikes=None, publish=False)
    at = sel.STRIKE_AT[AUTHORITY]
    assert ps.phase(record, at).name == "resident_strikes"
    shortlist = ps.phase(record, at).shortlist
    assert refusal(ps.record_strikes, record, AUTHORITY, [(shortlist[0], "x")], at) == "strikes_forfeited"


def test_nobody_acting_still_yields_a_reproducible_panel(sel):
    record = sel.run(sel.start(), commits=(), authority_strikes=None, resident_strikes=None)
    assert [f.code for f in record.outcome.fallbacks] == ["no_commit", "no_commit", "strikes_lapsed",
                                                          "strikes_lapsed"]
    assert ps.verify(record).ok


def test_withholding_changes_the_seed_so_revealing_is_never_neutral(sel):
    full = sel.run(sel.start())
    withheld = sel.run(sel.start(), reveals=(AUTHORITY,))
    assert full.outcome.seed != withheld.outcome.seed


# --- withdrawals ----------------------------------------------------------------------------------------

def test_withdrawals_first_use_unstruck_shortlist_names(sel):
    record = sel.run(sel.start(), authority_strikes=(), resident_strikes=(), withdrawals=(4,))
    outcome = record.outcome
    assert outcome.replacements == (ps.Replacement(outcome.panel[4], outcome.shortlist[5]),)


def test_a_replacement_who_withdraws_is_replaced_again_and_nobody_returns(sel):
    record = sel.run(sel.start(), withdrawals=(1, 1, 1))
    outcome = record.outcome
    withdrawn = [r.withdrawn for r in outcome.replacements]
    assert withdrawn == [outcome.panel[1], outcome.order[7], outcome.order[8]]
    assert outcome.final_panel[1] == outcome.order[9]
    assert not set(withdrawn) & set(outcome.final_panel)
    assert ps.verify(record).ok


def test_an_exhausted_pool_leaves_an_empty_seat(sel):
    record = sel.run(sel.start(pool_size=7), withdrawals=(0,))
    assert record.outcome.replacements == (ps.Replacement(record.outcome.panel[0], None),)
    assert len(record.outcome.final_panel) == 4
    assert ps.verify(record).ok


def test_withdrawal_rules(sel):
    record = sel.run(sel.start(), authority_strikes=None, resident_strikes=None, publish=False)
    at = sel.STRIKE_AT[AUTHORITY]
    assert refusal(ps.record_withdrawal, record, "m01", "病", at) == "withdrawal_before_panel_final"
    record = ps.publish(record, sel.AFTER_DEADLINES)
    outsider = next(m.id for m in record.pool if m.id not in record.outcome.panel)
    assert refusal(ps.record_withdrawal, record, outsider, "病", sel.AFTER_DEADLINES) == "withdrawal_not_on_panel"
    member = record.outcome.panel[0]
    assert refusal(ps.record_withdrawal, record, member, " ", sel.AFTER_DEADLINES) == "withdrawal_reason_missing"


# --- determinism ----------------------------------------------------------------------------------------

def test_same_inputs_give_the_same_outcome_whatever_the_pool_order(sel):
    record = sel.honest()
    reversed_pool = ps.record.replace(record, pool=tuple(reversed(record.pool)))
    assert ps.compute(record) == ps.compute(reversed_pool) == record.outcome
    assert ps.verify(reversed_pool).ok


def test_timestamps_in_other_time_zones_mean_the_same_instants(sel):
    record = sel.honest()
    shifted = ps.record.replace(
        record,
        reveals=tuple(ps.Reveal(r.side, r.secret, r.recorded_at.astimezone(timezone.utc)) for r in record.reveals),
    )
    assert ps.verify(shifted).ok


def test_a_commitment_before_the_freeze_is_refused(sel):
    record = sel.start()
    code = refusal(ps.record_commitment, record, AUTHORITY, record.commitment_for(AUTHORITY, sel.AUTHORITY_SECRET),
                   sel.T0 - sel.HOUR)
    assert code == "commit_before_freeze"


def test_unknown_sides_are_refused(sel):
    record = sel.start()
    assert refusal(ps.record_commitment, record, "observer", "0" * 64, sel.T0 + sel.HOUR) == "unknown_side"


def test_malformed_commitment_is_refused(sel):
    record = sel.start()
    assert refusal(ps.record_commitment, record, AUTHORITY, "ABC", sel.T0 + sel.HOUR) == "commitment_malformed"


def test_naive_now_is_refused(sel):
    with pytest.raises(ValueError):
        ps.phase(sel.start(), sel.T0.replace(tzinfo=None))
