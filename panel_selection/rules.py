"""The protocol over time: which action is allowed when, what replaces a missing action, what comes out.

One replay serves everyone. The web asks `phase(record, now)` and records actions through
`record_commitment` & co., which refuse exactly what the verifier would later report; `compute` and
`verify` replay the stored actions in time order through the same checks.

Time rule: an action recorded at instant t sees only actions recorded strictly before t, and is in time
when t <= its deadline. So a reveal stamped with the same instant as the last commitment is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Union

from . import protocol
from .protocol import AUTHORITY, RESIDENT, SIDES, SelectionError
from .record import (
    Commitment,
    Fallback,
    Outcome,
    Replacement,
    Reveal,
    SelectionRecord,
    Strike,
    StrikeSubmission,
    Withdrawal,
    check_setup,
    replace,
)

PENDING = "pending"
COMMITTED = "committed"
NO_COMMIT = "no_commit"
REVEALED = "revealed"
NO_REVEAL = "no_reveal"
SUBMITTED = "submitted"
STRIKES_LAPSED = "strikes_lapsed"
STRIKES_FORFEITED = "strikes_forfeited"
NO_STRIKES_ALLOWED = "no_strikes_allowed"

PANEL_FINAL = "panel_final"

Action = Union[Commitment, Reveal, StrikeSubmission, Withdrawal]
# Among actions with the same timestamp, the natural protocol order decides which one counts as first.
_KIND_RANK = {Commitment: 0, Reveal: 1, StrikeSubmission: 2, Withdrawal: 3}
_LIST_NAME = {Commitment: "commitments", Reveal: "reveals", StrikeSubmission: "strikes", Withdrawal: "withdrawals"}


@dataclass(frozen=True)
class Problem:
    """One finding of the verifier (or reason for refusing an action): a stable code and a readable message."""

    code: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class ActionRefused(SelectionError):
    """The action is not allowed now; `code` is the problem code the verifier would report for it."""


@dataclass
class _Accepted:
    commitments: dict[str, Commitment] = field(default_factory=dict)
    reveals: dict[str, Reveal] = field(default_factory=dict)
    strikes: dict[str, StrikeSubmission] = field(default_factory=dict)
    withdrawals: list[Withdrawal] = field(default_factory=list)

    def add(self, action: Action) -> None:
        if isinstance(action, Commitment):
            self.commitments[action.side] = action
        elif isinstance(action, Reveal):
            self.reveals[action.side] = action
        elif isinstance(action, StrikeSubmission):
            self.strikes[action.side] = action
        else:
            self.withdrawals.append(action)

    def restricted(self, keep: Callable[[datetime], bool]) -> _Accepted:
        return _Accepted(
            {s: c for s, c in self.commitments.items() if keep(c.recorded_at)},
            {s: r for s, r in self.reveals.items() if keep(r.recorded_at)},
            {s: x for s, x in self.strikes.items() if keep(x.recorded_at)},
            [w for w in self.withdrawals if keep(w.recorded_at)],
        )


class _Situation:
    """The state of a selection at instant `t` given the accepted actions (t=None: after every deadline)."""

    def __init__(self, record: SelectionRecord, setup_hash: str, accepted: _Accepted, t: datetime | None):
        self.record = record
        self.setup_hash = setup_hash
        self.accepted = accepted
        self.t = t

    def passed(self, action: str, side: str) -> bool:
        return self.t is None or self.t > self.record.deadlines.for_action(action, side)

    def commit_status(self, side: str) -> str:
        if side in self.accepted.commitments:
            return COMMITTED
        return NO_COMMIT if self.passed("commit", side) else PENDING

    def reveal_status(self, side: str) -> str:
        committed = self.commit_status(side)
        if committed != COMMITTED:
            return committed  # NO_COMMIT needs no reveal; PENDING stays pending
        if side in self.accepted.reveals:
            return REVEALED
        return NO_REVEAL if self.passed("reveal", side) else PENDING

    def strike_status(self, side: str) -> str:
        if self.record.strikes_per_side == 0:
            return NO_STRIKES_ALLOWED
        revealed = self.reveal_status(side)
        if revealed == PENDING:
            return PENDING
        if revealed == NO_REVEAL:
            return STRIKES_FORFEITED  # the price of withholding: see docs, "last revealer"
        if side in self.accepted.strikes:
            return SUBMITTED
        return STRIKES_LAPSED if self.passed("strikes", side) else PENDING

    def contribution(self, side: str) -> str | None:
        status = self.reveal_status(side)
        if status == NO_COMMIT:
            return protocol.no_commit_contribution(side, self.setup_hash)
        if status == REVEALED:
            return protocol.revealed_contribution(self.accepted.reveals[side].secret)
        if status == NO_REVEAL:
            return protocol.no_reveal_contribution(side, self.accepted.commitments[side].commitment)
        return None

    def seed(self) -> str | None:
        resident, authority = self.contribution(RESIDENT), self.contribution(AUTHORITY)
        if resident is None or authority is None:
            return None
        return protocol.seed_from(self.setup_hash, resident, authority)

    def order(self) -> list[str] | None:
        seed = self.seed()
        return None if seed is None else protocol.order_pool(seed, [m.id for m in self.record.pool])

    def shortlist(self) -> list[str] | None:
        order = self.order()
        size = protocol.shortlist_size(self.record.panel_size, self.record.strikes_per_side)
        return None if order is None else order[:size]

    def struck(self) -> list[str]:
        shortlist = self.shortlist() or []
        named = {s.member_id for sub in self.accepted.strikes.values() for s in sub.strikes}
        return [member_id for member_id in shortlist if member_id in named]

    def current(self) -> tuple[str, str | None]:
        """(action, side) awaited now; ("withdraw", None) once the panel is final."""
        for action, status in (("commit", self.commit_status), ("reveal", self.reveal_status),
                               ("strikes", self.strike_status)):
            for side in SIDES:
                if status(side) == PENDING:
                    return action, side
        return "withdraw", None

    def panel(self) -> list[str] | None:
        if self.current()[0] != "withdraw":
            return None
        struck = set(self.struck())
        shortlist = self.shortlist() or []
        # With at most 2k strikes in a shortlist of n + 2k there are always n names left.
        return [member_id for member_id in shortlist if member_id not in struck][: self.record.panel_size]

    def replacements(self) -> tuple[list[Replacement], list[str]] | None:
        """Replay withdrawals in order: each seat goes to the first name in the full order that was
        never struck and never on the panel. Struck names never return: a side struck them for a reason."""
        panel, order = self.panel(), self.order()
        if panel is None or order is None:
            return None
        excluded = set(self.struck()) | set(panel)
        current = list(panel)
        replacements = []
        for withdrawal in self.accepted.withdrawals:
            seat = current.index(withdrawal.member_id)
            successor = next((m for m in order if m not in excluded), None)
            if successor is None:
                del current[seat]  # the pool is exhausted; the portal must restart the selection
            else:
                excluded.add(successor)
                current[seat] = successor
            replacements.append(Replacement(withdrawal.member_id, successor))
        return replacements, current

    def fallbacks(self) -> list[Fallback]:
        found = []
        for side in SIDES:
            if self.commit_status(side) == NO_COMMIT:
                found.append(Fallback(side, NO_COMMIT))
        for side in SIDES:
            if self.reveal_status(side) == NO_REVEAL:
                found.append(Fallback(side, NO_REVEAL))
        for side in SIDES:
            status = self.strike_status(side)
            if status in (STRIKES_FORFEITED, STRIKES_LAPSED):
                found.append(Fallback(side, status))
        return found


@dataclass(frozen=True)
class _Replay:
    setup_hash: str
    accepted: _Accepted
    problems: tuple[Problem, ...]


def _actions(record: SelectionRecord) -> list[tuple[Action, str]]:
    """Every stored action with its label (e.g. "reveals[1]"), in replay order."""
    labelled: list[tuple[Action, str, int]] = []
    for items in (record.commitments, record.reveals, record.strikes, record.withdrawals):
        for index, item in enumerate(items):
            labelled.append((item, f"{_LIST_NAME[type(item)]}[{index}]", index))
    labelled.sort(key=lambda entry: (entry[0].recorded_at, _KIND_RANK[type(entry[0])], entry[2]))
    return [(item, label) for item, label, _ in labelled]


def _replay(record: SelectionRecord) -> _Replay:
    setup_hash = record.setup_hash()
    accepted = _Accepted()
    problems = []
    for action, label in _actions(record):
        problem = _refusal(record, setup_hash, accepted, action)
        if problem is None:
            accepted.add(action)
        else:
            problems.append(Problem(problem.code, f"{label}: {problem.message}"))
    return _Replay(setup_hash, accepted, tuple(problems))


def _refusal(record: SelectionRecord, setup_hash: str, accepted: _Accepted, action: Action) -> Problem | None:
    """Why `action` may not be added after the `accepted` ones, or None when it may."""
    t = action.recorded_at
    before = _Situation(record, setup_hash, accepted.restricted(lambda moment: moment < t), t)
    if isinstance(action, Withdrawal):
        return _withdrawal_refusal(record, setup_hash, accepted, before, action)
    side = action.side
    if side not in SIDES:
        return Problem("unknown_side", f"side must be {' or '.join(SIDES)}, not {side!r}")
    if isinstance(action, Commitment):
        return _commit_refusal(record, accepted, before, action)
    if isinstance(action, Reveal):
        return _reveal_refusal(record, setup_hash, accepted, before, action)
    return _strike_refusal(record, accepted, before, action)


def _commit_refusal(record: SelectionRecord, accepted: _Accepted, before: _Situation,
                    action: Commitment) -> Problem | None:
    side = action.side
    if side in accepted.commitments:
        return Problem("duplicate_commitment", f"the {side} has already committed")
    if action.recorded_at < record.frozen_at:
        return Problem("commit_before_freeze", "commitments are accepted only once the pool is frozen")
    if before.passed("commit", side):
        return Problem("commit_after_deadline", f"the {side}'s commit deadline had passed")
    if not protocol.is_sha256_hex(action.commitment):
        return Problem("commitment_malformed", "a commitment is 64 lowercase hex digits")
    if side == RESIDENT and before.commit_status(AUTHORITY) == PENDING:
        # The authority commits first, so it can never choose its secret knowing the resident's commitment.
        return Problem("commit_out_of_order", "the resident commits after the authority's commitment or deadline")
    return None


def _reveal_refusal(record: SelectionRecord, setup_hash: str, accepted: _Accepted, before: _Situation,
                    action: Reveal) -> Problem | None:
    side = action.side
    if side in accepted.reveals:
        return Problem("duplicate_reveal", f"the {side} has already revealed")
    if any(before.commit_status(s) == PENDING for s in SIDES):
        return Problem("reveal_before_all_commits", "no reveal is accepted until both sides committed or defaulted")
    if before.commit_status(side) != COMMITTED:
        return Problem("reveal_without_commitment", f"the {side} did not commit, so it has nothing to reveal")
    if before.passed("reveal", side):
        return Problem("reveal_after_deadline", f"the {side}'s reveal deadline had passed")
    if side == RESIDENT and before.reveal_status(AUTHORITY) == PENDING:
        return Problem("reveal_out_of_order", "the resident reveals after the authority's reveal or deadline")
    try:
        protocol.check_secret(action.secret)
    except protocol.InvalidSecret as error:
        return Problem(error.code, error.message)
    expected = before.accepted.commitments[side].commitment
    if protocol.commitment_for(record.hearing_ref, side, setup_hash, action.secret) != expected:
        return Problem("commitment_mismatch", f"the {side}'s secret does not match its commitment")
    return None


def _strike_refusal(record: SelectionRecord, accepted: _Accepted, before: _Situation,
                    action: StrikeSubmission) -> Problem | None:
    side, k = action.side, record.strikes_per_side
    if side in accepted.strikes:
        return Problem("duplicate_strike_submission", f"the {side} has already submitted its strikes")
    if k == 0:
        return Problem("strikes_not_allowed", "this selection has no strikes")
    shortlist = before.shortlist()
    if shortlist is None:
        return Problem("strike_before_shortlist", "strikes are accepted only once the shortlist is drawn")
    if before.strike_status(side) == STRIKES_FORFEITED:
        return Problem("strikes_forfeited", f"the {side} did not reveal and so has no strikes")
    if before.passed("strikes", side):
        return Problem("strike_after_deadline", f"the {side}'s strike deadline had passed")
    if side == RESIDENT and before.strike_status(AUTHORITY) == PENDING:
        return Problem("strike_out_of_order", "the resident strikes after the authority's strikes or deadline")
    member_ids = [strike.member_id for strike in action.strikes]
    if len(member_ids) > k:
        return Problem("too_many_strikes", f"{len(member_ids)} strikes, at most {k} allowed")
    if len(set(member_ids)) != len(member_ids):
        return Problem("duplicate_strike", "the same name is struck twice in one submission")
    outside = [member_id for member_id in member_ids if member_id not in shortlist]
    if outside:
        return Problem("strike_not_in_shortlist", f"not on the shortlist: {', '.join(outside)}")
    if any(not strike.reason.strip() for strike in action.strikes):
        return Problem("strike_reason_missing", "every strike needs a reason")
    return None


def _withdrawal_refusal(record: SelectionRecord, setup_hash: str, accepted: _Accepted, before: _Situation,
                        action: Withdrawal) -> Problem | None:
    if before.current()[0] != "withdraw":
        return Problem("withdrawal_before_panel_final", "withdrawals are accepted once the panel is final")
    # Membership counts every earlier withdrawal, including one stamped with the same instant.
    now = _Situation(record, setup_hash, accepted, action.recorded_at).replacements()
    if now is None or action.member_id not in now[1]:
        return Problem("withdrawal_not_on_panel", f"{action.member_id} is not on the current panel")
    if not action.reason.strip():
        return Problem("withdrawal_reason_missing", "a withdrawal needs a reason")
    return None


# ---------------------------------------------------------------------------------------------------------
# Public API used by the portal


@dataclass(frozen=True)
class Phase:
    """Where a selection stands at `now`, for the web pages.

    `name` is "<side>_<action>" (e.g. "resident_reveal") while a side is awaited, or "panel_final".
    `action` is what the awaited side may do ("commit", "reveal", "strikes"), or "withdraw" once final
    (the office records withdrawals). Seed, shortlist and panel are filled in as soon as they are fixed.
    """

    name: str
    side: str | None
    action: str
    deadline: datetime | None
    setup_hash: str
    strikes_allowed: int
    seed: str | None
    shortlist: tuple[str, ...] | None
    struck: tuple[str, ...]
    panel: tuple[str, ...] | None
    fallbacks: tuple[Fallback, ...]

    def allows(self, action: str, side: str | None = None) -> bool:
        return self.action == action and self.side == side


def phase(record: SelectionRecord, now: datetime) -> Phase:
    _require_valid_setup(record)
    _require_aware(now)
    replayed = _replay(record)
    situation = _Situation(record, replayed.setup_hash, replayed.accepted.restricted(lambda m: m <= now), now)
    action, side = situation.current()
    shortlist = situation.shortlist()
    replaced = situation.replacements()
    strikes_allowed = 0
    if action == "strikes" and side is not None:
        strikes_allowed = record.strikes_per_side
    return Phase(
        name=PANEL_FINAL if side is None else f"{side}_{action}",
        side=side,
        action=action,
        deadline=None if side is None else record.deadlines.for_action(action, side),
        setup_hash=replayed.setup_hash,
        strikes_allowed=strikes_allowed,
        seed=situation.seed(),
        shortlist=None if shortlist is None else tuple(shortlist),
        struck=tuple(situation.struck()),
        panel=None if replaced is None else tuple(replaced[1]),
        fallbacks=tuple(situation.fallbacks()),
    )


def compute(record: SelectionRecord) -> Outcome:
    """The outcome once every deadline has passed, from the inputs alone (the published outcome is ignored).

    Actions the rules refuse (late, out of order, not matching a commitment …) count as never made;
    `verify` reports them.
    """
    _require_valid_setup(record)
    replayed = _replay(record)
    return _outcome(_Situation(record, replayed.setup_hash, replayed.accepted, None))


def _outcome(situation: _Situation) -> Outcome:
    replaced = situation.replacements()
    order, shortlist, panel, seed = situation.order(), situation.shortlist(), situation.panel(), situation.seed()
    assert replaced is not None and order is not None and shortlist is not None and panel is not None
    assert seed is not None  # after every deadline nothing is pending
    return Outcome(
        setup_hash=situation.setup_hash,
        seed=seed,
        order=tuple(order),
        shortlist=tuple(shortlist),
        struck=tuple(situation.struck()),
        panel=tuple(panel),
        replacements=tuple(replaced[0]),
        final_panel=tuple(replaced[1]),
        fallbacks=tuple(situation.fallbacks()),
        # Over every recorded action, refused ones included: they are all published inputs.
        actions_hash=situation.record.actions_hash(),
    )


def record_commitment(record: SelectionRecord, side: str, commitment: str, now: datetime) -> SelectionRecord:
    return _append(record, Commitment(side, commitment, now))


def record_reveal(record: SelectionRecord, side: str, secret: str, now: datetime) -> SelectionRecord:
    return _append(record, Reveal(side, secret, now))


def record_strikes(record: SelectionRecord, side: str, strikes: Iterable[Strike | tuple[str, str]],
                   now: datetime) -> SelectionRecord:
    """Record a side's whole strike list at once (pass [] to waive); pairs are (member_id, reason)."""
    items = tuple(s if isinstance(s, Strike) else Strike(*s) for s in strikes)
    return _append(record, StrikeSubmission(side, items, now))


def record_withdrawal(record: SelectionRecord, member_id: str, reason: str, now: datetime) -> SelectionRecord:
    """Record a withdrawal; a published outcome is recomputed so it names the replacement."""
    updated = _append(record, Withdrawal(member_id, reason, now))
    if record.outcome is not None:
        updated = replace(updated, outcome=compute(updated))
    return updated


def publish(record: SelectionRecord, now: datetime) -> SelectionRecord:
    """Attach the computed outcome; refused until the panel is final at `now`."""
    current = phase(record, now)
    if current.name != PANEL_FINAL:
        raise ActionRefused("selection_not_final", f"the selection is still awaiting {current.name}")
    return replace(record, outcome=compute(record))


def _append(record: SelectionRecord, action: Action) -> SelectionRecord:
    _require_valid_setup(record)
    _require_aware(action.recorded_at)
    latest = max((a.recorded_at for a, _ in _actions(record)), default=None)
    if latest is not None and action.recorded_at < latest:
        # Replay is by timestamp; an action stamped in the past could change what earlier checks saw.
        raise ActionRefused("not_chronological", "an action cannot be recorded before the latest recorded one")
    replayed = _replay(record)
    problem = _refusal(record, replayed.setup_hash, replayed.accepted, action)
    if problem is not None:
        raise ActionRefused(problem.code, problem.message)
    name = _LIST_NAME[type(action)]
    return replace(record, **{name: (*getattr(record, name), action)})


def _require_valid_setup(record: SelectionRecord) -> None:
    problem = check_setup(record)
    if problem is not None:
        raise problem


def _require_aware(moment: datetime) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("`now` must be a datetime with a UTC offset")
