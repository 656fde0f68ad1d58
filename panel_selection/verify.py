"""Check a whole selection record, and describe it step by step for the public audit page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import protocol
from .protocol import SIDES
from .record import Outcome, RecordFormatError, SelectionRecord, check_setup
from .rules import (
    NO_COMMIT,
    NO_REVEAL,
    PENDING,
    REVEALED,
    STRIKES_FORFEITED,
    STRIKES_LAPSED,
    SUBMITTED,
    Problem,
    _replay,
    _Situation,
    compute,
    phase,
)

# Published outcome field -> problem code when it differs from the recomputed one.
_OUTCOME_CODES = {
    "setup_hash": "setup_hash_mismatch",
    "seed": "seed_mismatch",
    "order": "order_mismatch",
    "shortlist": "shortlist_mismatch",
    "struck": "struck_mismatch",
    "panel": "panel_mismatch",
    "replacements": "replacement_mismatch",
    "final_panel": "final_panel_mismatch",
    "fallbacks": "fallback_mismatch",
    "actions_hash": "actions_hash_mismatch",
}


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    problems: tuple[Problem, ...]
    outcome: Outcome | None  # recomputed from the inputs; None when the record cannot be computed

    @property
    def codes(self) -> list[str]:
        return [problem.code for problem in self.problems]

    def render(self) -> str:
        if self.ok:
            head = "OK: the published outcome follows from the published inputs."
            final = f"Final panel: {', '.join(self.outcome.final_panel)}" if self.outcome else ""
            # Printed so whoever kept the value from the audit page can see the record was not rewritten since.
            actions = f"Actions SHA-256: {self.outcome.actions_hash}" if self.outcome else ""
            return "\n".join(line for line in (head, final, actions) if line)
        lines = [f"INVALID: {len(self.problems)} problem(s)"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def verify(record: SelectionRecord | Mapping[str, Any], now: datetime | None = None) -> VerificationReport:
    """Recompute everything from the inputs and list every rule broken and every published value that differs.

    `record` may be the JSON dict as published. With `now`, also report actions stamped in the future
    and a selection that is not final yet; without it the record is judged as after every deadline.
    """
    if not isinstance(record, SelectionRecord):
        try:
            record = SelectionRecord.from_dict(record)
        except RecordFormatError as error:
            return VerificationReport(False, (Problem("malformed_record", str(error)),), None)
    problems: list[Problem] = []
    if protocol.pool_hash(record.pool) != record.pool_hash:
        problems.append(Problem("pool_hash_mismatch", "the published pool hash is not the SHA-256 of the pool"))
    setup_problem = check_setup(record)
    if setup_problem is not None:
        problems.append(Problem(setup_problem.code, setup_problem.message))
        return VerificationReport(False, tuple(problems), None)

    problems.extend(_replay(record).problems)
    times = [w.recorded_at for w in record.withdrawals]
    if any(later < earlier for earlier, later in zip(times, times[1:])):
        problems.append(Problem("withdrawals_not_chronological", "withdrawals must be listed in the order they happened"))
    if now is not None:
        problems.extend(_checks_at(record, now))

    outcome = compute(record)
    if record.outcome is None:
        problems.append(Problem("outcome_missing", "no outcome has been published"))
    else:
        for name, code in _OUTCOME_CODES.items():
            published, recomputed = getattr(record.outcome, name), getattr(outcome, name)
            if name == "actions_hash" and published is None:
                # Accepting the absence would let anyone edit a reason and drop the hash with it.
                problems.append(Problem("actions_hash_missing", "the published outcome has no actions_hash, "
                                        "so reasons and times cannot be confirmed"))
            elif published != recomputed:
                problems.append(Problem(code, f"published {name} differs from the recomputed one"))
    return VerificationReport(not problems, tuple(problems), outcome)


def _checks_at(record: SelectionRecord, now: datetime) -> list[Problem]:
    found = []
    if any(item.recorded_at > now for item in (*record.commitments, *record.reveals, *record.strikes,
                                              *record.withdrawals)):
        found.append(Problem("recorded_in_future", "an action is stamped later than now"))
    current = phase(record, now)
    if current.side is not None:
        found.append(Problem("selection_not_final", f"the selection is still awaiting {current.name}"))
    return found


@dataclass(frozen=True)
class Step:
    """One line of the audit page: a stable code (for translation), English text and the data shown."""

    code: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)


def steps(record: SelectionRecord, now: datetime | None = None) -> list[Step]:
    """Every input and derived value in protocol order; `now` shows a selection still in progress."""
    names = {member.id: member.name for member in record.pool}

    def who(member_id: str | None) -> str:
        return "nobody (pool exhausted)" if member_id is None else f"{names.get(member_id, '?')} ({member_id})"

    result = [
        Step("pool_frozen", f"{len(record.pool)} eligible members frozen at {record.frozen_at.isoformat()}; "
             f"pool SHA-256 {record.pool_hash}",
             {"frozen_at": record.frozen_at.isoformat(), "pool_hash": record.pool_hash,
              "pool": [m.to_dict() for m in sorted(record.pool, key=lambda m: m.id)]}),
    ]
    setup_problem = check_setup(record)
    if setup_problem is not None:
        result.append(Step("setup_invalid", setup_problem.message, {"problem": setup_problem.code}))
        return result
    replayed = _replay(record)
    accepted = replayed.accepted if now is None else replayed.accepted.restricted(lambda m: m <= now)
    situation = _Situation(record, replayed.setup_hash, accepted, now)
    result.append(Step(
        "setup", f"Panel of {record.panel_size}, {record.strikes_per_side} strike(s) per side; "
        f"setup SHA-256 {replayed.setup_hash}",
        {"hearing_ref": record.hearing_ref, "hearing_date": record.hearing_date.isoformat(),
         "panel_size": record.panel_size, "strikes_per_side": record.strikes_per_side,
         "deadlines": record.deadlines.to_dict(), "setup_hash": replayed.setup_hash},
    ))
    for side in SIDES:
        status = situation.commit_status(side)
        if status == PENDING:
            result.append(Step("commit_pending", f"Awaiting the {side}'s commitment", {"side": side}))
        elif status == NO_COMMIT:
            result.append(Step("commit_defaulted", f"The {side} did not commit in time; a public stand-in "
                               "value replaces its secret", {"side": side,
                               "contribution": situation.contribution(side)}))
        else:
            c = accepted.commitments[side]
            result.append(Step("committed", f"The {side} committed {c.commitment}",
                               {"side": side, "commitment": c.commitment, "recorded_at": c.recorded_at.isoformat()}))
    for side in SIDES:
        status = situation.reveal_status(side)
        if status == REVEALED:
            r = accepted.reveals[side]
            result.append(Step("revealed", f"The {side} revealed its secret, which matches its commitment",
                               {"side": side, "secret": r.secret, "recorded_at": r.recorded_at.isoformat(),
                                "contribution": situation.contribution(side)}))
        elif status == NO_REVEAL:
            result.append(Step("reveal_withheld", f"The {side} did not reveal in time; its commitment stands in "
                               "for its secret and it loses its strikes",
                               {"side": side, "contribution": situation.contribution(side)}))
        elif status == PENDING and all(situation.commit_status(s) != PENDING for s in SIDES):
            result.append(Step("reveal_pending", f"Awaiting the {side}'s reveal", {"side": side}))
    seed = situation.seed()
    if seed is not None:
        order = situation.order() or []
        shortlist = situation.shortlist() or []
        result.append(Step("seed", f"Seed {seed}", {"seed": seed, "resident_contribution":
                           situation.contribution(protocol.RESIDENT), "authority_contribution":
                           situation.contribution(protocol.AUTHORITY)}))
        result.append(Step("order", "Pool ordered by HMAC-SHA256(seed, id)",
                           {"order": [{"id": m, "name": names[m], "key": protocol.order_key(seed, m)}
                                      for m in order]}))
        result.append(Step("shortlist", "Shortlist: " + ", ".join(who(m) for m in shortlist),
                           {"shortlist": shortlist}))
        result.extend(_strike_steps(record, situation, who))
    replaced = situation.replacements()
    if replaced is not None:
        panel = situation.panel() or []
        result.append(Step("panel", "Panel: " + ", ".join(who(m) for m in panel), {"panel": panel}))
        for withdrawal, replacement in zip(accepted.withdrawals, replaced[0]):
            result.append(Step("withdrawal", f"{who(withdrawal.member_id)} withdrew ({withdrawal.reason}); "
                               f"replaced by {who(replacement.replacement)}",
                               {"member_id": withdrawal.member_id, "reason": withdrawal.reason,
                                "recorded_at": withdrawal.recorded_at.isoformat(),
                                "replacement": replacement.replacement}))
        actions_hash = record.actions_hash()
        result.append(Step("final_panel", "Final panel: " + ", ".join(who(m) for m in replaced[1])
                           + f"; actions SHA-256 {actions_hash}",
                           {"final_panel": replaced[1], "actions_hash": actions_hash}))
    for problem in replayed.problems:
        result.append(Step("refused_action", str(problem), {"problem": problem.code}))
    return result


def _strike_steps(record: SelectionRecord, situation: _Situation, who: Any) -> list[Step]:
    found = []
    for side in SIDES:
        status = situation.strike_status(side)
        if status == SUBMITTED:
            submission = situation.accepted.strikes[side]
            text = "; ".join(f"{who(s.member_id)}: {s.reason}" for s in submission.strikes) or "none"
            found.append(Step("strikes", f"The {side} struck {text}",
                              {"side": side, "recorded_at": submission.recorded_at.isoformat(),
                               "strikes": [s.to_dict() for s in submission.strikes]}))
        elif status == STRIKES_FORFEITED:
            found.append(Step("strikes_forfeited", f"The {side} has no strikes: it did not reveal", {"side": side}))
        elif status == STRIKES_LAPSED:
            found.append(Step("strikes_lapsed", f"The {side} struck nobody before its deadline", {"side": side}))
        elif status == PENDING:
            found.append(Step("strikes_pending", f"Awaiting the {side}'s strikes", {"side": side}))
    return found


__all__ = ["Step", "VerificationReport", "steps", "verify"]
