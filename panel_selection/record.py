"""The selection record: every input and the published outcome, as frozen dataclasses and plain JSON.

`from_dict` checks shapes and types only. Whether the content obeys the protocol is the verifier's job,
so a tampered record still loads and gets a precise report instead of a parse error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import protocol
from .protocol import DEADLINE_FIELDS


class RecordFormatError(ValueError):
    """A record dict that is not shaped like a selection record (missing key, wrong type, naive time)."""


@dataclass(frozen=True)
class PoolMember:
    """A frozen pool entry: public id, public display name and kind (人大代表, 律师 …). Never contact data."""

    id: str
    name: str
    kind: str

    def __post_init__(self) -> None:
        # The portal's integer primary keys are accepted and hashed as their decimal text.
        if type(self.id) is int:
            object.__setattr__(self, "id", str(self.id))
        for name in ("id", "name", "kind"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value or value != value.strip():
                raise RecordFormatError(f"pool member {name} must be non-empty text, not {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Any) -> PoolMember:
        values = _fields(data, "pool member", ("id", "name", "kind"))
        return cls(id=values["id"], name=values["name"], kind=values["kind"])


@dataclass(frozen=True)
class Deadlines:
    """One deadline per phase; an action at exactly its deadline is still in time."""

    authority_commit_by: datetime
    resident_commit_by: datetime
    authority_reveal_by: datetime
    resident_reveal_by: datetime
    authority_strikes_by: datetime
    resident_strikes_by: datetime

    def __post_init__(self) -> None:
        for name in DEADLINE_FIELDS:
            _require_aware(getattr(self, name), f"deadline {name}")

    def for_action(self, action: str, side: str) -> datetime:
        return getattr(self, f"{side}_{action}_by")  # action is "commit", "reveal" or "strikes"

    def as_mapping(self) -> dict[str, datetime]:
        return {name: getattr(self, name) for name in DEADLINE_FIELDS}

    @classmethod
    def spaced(cls, first: datetime, step: timedelta) -> Deadlines:
        """Convenience for the portal and tests: six deadlines `step` apart, the first at `first`."""
        return cls(*(first + step * i for i in range(len(DEADLINE_FIELDS))))

    def to_dict(self) -> dict[str, str]:
        return {name: getattr(self, name).isoformat() for name in DEADLINE_FIELDS}

    @classmethod
    def from_dict(cls, data: Any) -> Deadlines:
        values = _fields(data, "deadlines", DEADLINE_FIELDS)
        return cls(**{name: _parse_datetime(values[name], name) for name in DEADLINE_FIELDS})


@dataclass(frozen=True)
class Commitment:
    side: str
    commitment: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "commitment": self.commitment, "recorded_at": self.recorded_at.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> Commitment:
        values = _fields(data, "commitment", ("side", "commitment", "recorded_at"))
        return cls(
            side=_text(values["side"], "commitment side"),
            commitment=_text(values["commitment"], "commitment"),
            recorded_at=_parse_datetime(values["recorded_at"], "commitment recorded_at"),
        )


@dataclass(frozen=True)
class Reveal:
    side: str
    secret: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "secret": self.secret, "recorded_at": self.recorded_at.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> Reveal:
        values = _fields(data, "reveal", ("side", "secret", "recorded_at"))
        return cls(
            side=_text(values["side"], "reveal side"),
            secret=_text(values["secret"], "reveal secret"),
            recorded_at=_parse_datetime(values["recorded_at"], "reveal recorded_at"),
        )


@dataclass(frozen=True)
class Strike:
    member_id: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: Any) -> Strike:
        values = _fields(data, "strike", ("member_id", "reason"))
        return cls(
            member_id=_text(values["member_id"], "strike member_id"),
            reason=_text(values["reason"], "strike reason"),
        )


@dataclass(frozen=True)
class StrikeSubmission:
    """One side's strikes, submitted once as a whole (an empty list waives them).

    A single submission per side, rather than one entry per strike, is what makes "the authority has
    finished striking, the resident may now strike" a fact the verifier can check.
    """

    side: str
    strikes: tuple[Strike, ...]
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "strikes": [strike.to_dict() for strike in self.strikes],
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> StrikeSubmission:
        values = _fields(data, "strike submission", ("side", "strikes", "recorded_at"))
        return cls(
            side=_text(values["side"], "strike submission side"),
            strikes=tuple(Strike.from_dict(item) for item in _list(values["strikes"], "strikes")),
            recorded_at=_parse_datetime(values["recorded_at"], "strike submission recorded_at"),
        )


@dataclass(frozen=True)
class Withdrawal:
    member_id: str
    reason: str
    recorded_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "reason": self.reason, "recorded_at": self.recorded_at.isoformat()}

    @classmethod
    def from_dict(cls, data: Any) -> Withdrawal:
        values = _fields(data, "withdrawal", ("member_id", "reason", "recorded_at"))
        return cls(
            member_id=_text(values["member_id"], "withdrawal member_id"),
            reason=_text(values["reason"], "withdrawal reason"),
            recorded_at=_parse_datetime(values["recorded_at"], "withdrawal recorded_at"),
        )


@dataclass(frozen=True)
class Fallback:
    """A rule that replaced a missing action: side plus one of
    no_commit, no_reveal, strikes_forfeited, strikes_lapsed."""

    side: str
    code: str

    def to_dict(self) -> dict[str, Any]:
        return {"side": self.side, "code": self.code}

    @classmethod
    def from_dict(cls, data: Any) -> Fallback:
        values = _fields(data, "fallback", ("side", "code"))
        return cls(side=_text(values["side"], "fallback side"), code=_text(values["code"], "fallback code"))


@dataclass(frozen=True)
class Replacement:
    """`replacement` is None when the pool had nobody left (the portal must then restart the selection)."""

    withdrawn: str
    replacement: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"withdrawn": self.withdrawn, "replacement": self.replacement}

    @classmethod
    def from_dict(cls, data: Any) -> Replacement:
        values = _fields(data, "replacement", ("withdrawn", "replacement"))
        replacement = values["replacement"]
        return cls(
            withdrawn=_text(values["withdrawn"], "replacement withdrawn"),
            replacement=None if replacement is None else _text(replacement, "replacement"),
        )


@dataclass(frozen=True)
class Outcome:
    """What the protocol yields; published in the record and recomputed by the verifier."""

    setup_hash: str
    seed: str
    order: tuple[str, ...]
    shortlist: tuple[str, ...]
    struck: tuple[str, ...]  # in shortlist order, each once even if both sides struck it
    panel: tuple[str, ...]  # before withdrawals
    replacements: tuple[Replacement, ...]
    final_panel: tuple[str, ...]
    fallbacks: tuple[Fallback, ...]
    # protocol.actions_hash of the record's actions. None only in a record published before the field
    # existed: it still loads, and the verifier reports actions_hash_missing instead of a parse error.
    actions_hash: str | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "setup_hash": self.setup_hash,
            "seed": self.seed,
            "order": list(self.order),
            "shortlist": list(self.shortlist),
            "struck": list(self.struck),
            "panel": list(self.panel),
            "replacements": [r.to_dict() for r in self.replacements],
            "final_panel": list(self.final_panel),
            "fallbacks": [f.to_dict() for f in self.fallbacks],
        }
        if self.actions_hash is not None:  # omitted rather than null, so an older record round-trips unchanged
            data["actions_hash"] = self.actions_hash
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Outcome:
        names = ("setup_hash", "seed", "order", "shortlist", "struck", "panel", "replacements",
                 "final_panel", "fallbacks")
        values = _fields(data, "outcome", names, optional=("actions_hash",))
        actions_hash = values.get("actions_hash")

        def ids(name: str) -> tuple[str, ...]:
            return tuple(_text(item, name) for item in _list(values[name], name))

        return cls(
            setup_hash=_text(values["setup_hash"], "setup_hash"),
            seed=_text(values["seed"], "seed"),
            order=ids("order"),
            shortlist=ids("shortlist"),
            struck=ids("struck"),
            panel=ids("panel"),
            replacements=tuple(Replacement.from_dict(r) for r in _list(values["replacements"], "replacements")),
            final_panel=ids("final_panel"),
            fallbacks=tuple(Fallback.from_dict(f) for f in _list(values["fallbacks"], "fallbacks")),
            actions_hash=None if actions_hash is None else _text(actions_hash, "actions_hash"),
        )


@dataclass(frozen=True)
class SelectionRecord:
    """All inputs of one hearing's selection, in the order they were recorded, plus the published outcome."""

    hearing_ref: str
    hearing_date: date
    panel_size: int
    strikes_per_side: int
    frozen_at: datetime
    deadlines: Deadlines
    pool: tuple[PoolMember, ...]
    pool_hash: str
    commitments: tuple[Commitment, ...] = ()
    reveals: tuple[Reveal, ...] = ()
    strikes: tuple[StrikeSubmission, ...] = ()
    withdrawals: tuple[Withdrawal, ...] = ()
    outcome: Outcome | None = None
    version: str = protocol.VERSION

    def __post_init__(self) -> None:
        _require_aware(self.frozen_at, "frozen_at")
        for name in ("pool", "commitments", "reveals", "strikes", "withdrawals"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        for item in (*self.commitments, *self.reveals, *self.strikes, *self.withdrawals):
            _require_aware(item.recorded_at, f"{type(item).__name__} recorded_at")

    def setup_hash(self) -> str:
        """Computed from the pool itself (not the published pool hash), so commitments bind the members."""
        return protocol.setup_hash(
            hearing_ref=self.hearing_ref,
            hearing_date=self.hearing_date,
            panel_size=self.panel_size,
            strikes_per_side=self.strikes_per_side,
            frozen_at=self.frozen_at,
            deadlines=self.deadlines.as_mapping(),
            pool_hash=protocol.pool_hash(self.pool),
        )

    def actions_hash(self) -> str:
        """Covers every recorded action with its reasons and times, bound to this setup (see protocol.actions_hash)."""
        return protocol.actions_hash(
            setup_hash=self.setup_hash(),
            commitments=self.commitments,
            reveals=self.reveals,
            strikes=self.strikes,
            withdrawals=self.withdrawals,
        )

    def commitment_for(self, side: str, secret: str) -> str:
        """The commitment a side must publish for `secret` in this selection."""
        return protocol.commitment_for(self.hearing_ref, side, self.setup_hash(), secret)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "hearing_ref": self.hearing_ref,
            "hearing_date": self.hearing_date.isoformat(),
            "panel_size": self.panel_size,
            "strikes_per_side": self.strikes_per_side,
            "frozen_at": self.frozen_at.isoformat(),
            "deadlines": self.deadlines.to_dict(),
            "pool": [member.to_dict() for member in self.pool],
            "pool_hash": self.pool_hash,
            "commitments": [c.to_dict() for c in self.commitments],
            "reveals": [r.to_dict() for r in self.reveals],
            "strikes": [s.to_dict() for s in self.strikes],
            "withdrawals": [w.to_dict() for w in self.withdrawals],
            "outcome": None if self.outcome is None else self.outcome.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Any) -> SelectionRecord:
        names = ("version", "hearing_ref", "hearing_date", "panel_size", "strikes_per_side", "frozen_at",
                 "deadlines", "pool", "pool_hash", "commitments", "reveals", "strikes", "withdrawals", "outcome")
        values = _fields(data, "record", names)
        try:
            hearing_date = date.fromisoformat(_text(values["hearing_date"], "hearing_date"))
        except ValueError as error:
            raise RecordFormatError(f"hearing_date: {error}") from None
        for name in ("panel_size", "strikes_per_side"):
            if type(values[name]) is not int:
                raise RecordFormatError(f"{name} must be an integer")
        outcome = values["outcome"]
        return cls(
            version=_text(values["version"], "version"),
            hearing_ref=_text(values["hearing_ref"], "hearing_ref"),
            hearing_date=hearing_date,
            panel_size=values["panel_size"],
            strikes_per_side=values["strikes_per_side"],
            frozen_at=_parse_datetime(values["frozen_at"], "frozen_at"),
            deadlines=Deadlines.from_dict(values["deadlines"]),
            pool=tuple(PoolMember.from_dict(m) for m in _list(values["pool"], "pool")),
            pool_hash=_text(values["pool_hash"], "pool_hash"),
            commitments=tuple(Commitment.from_dict(c) for c in _list(values["commitments"], "commitments")),
            reveals=tuple(Reveal.from_dict(r) for r in _list(values["reveals"], "reveals")),
            strikes=tuple(StrikeSubmission.from_dict(s) for s in _list(values["strikes"], "strikes")),
            withdrawals=tuple(Withdrawal.from_dict(w) for w in _list(values["withdrawals"], "withdrawals")),
            outcome=None if outcome is None else Outcome.from_dict(outcome),
        )


def start_selection(
    *,
    hearing_ref: str,
    hearing_date: date,
    panel_size: int,
    strikes_per_side: int,
    pool: Sequence[PoolMember],
    frozen_at: datetime,
    deadlines: Deadlines,
) -> SelectionRecord:
    """Freeze the pool and open the selection; raises InvalidSetup (PoolTooSmall among them) when it can't start."""
    record = SelectionRecord(
        hearing_ref=hearing_ref,
        hearing_date=hearing_date,
        panel_size=panel_size,
        strikes_per_side=strikes_per_side,
        frozen_at=frozen_at,
        deadlines=deadlines,
        pool=tuple(sorted(pool, key=lambda member: member.id)),
        pool_hash=protocol.pool_hash(pool),
    )
    setup_problem = check_setup(record)
    if setup_problem is not None:
        raise setup_problem
    return record


def check_setup(record: SelectionRecord) -> protocol.InvalidSetup | None:
    """The first reason the record's fixed part cannot run the protocol, or None."""
    try:
        if record.version != protocol.VERSION:
            raise protocol.InvalidSetup("unsupported_version", f"unsupported protocol version {record.version!r}")
        protocol.check_hearing_ref(record.hearing_ref)
        protocol.check_parameters(record.panel_size, record.strikes_per_side)
        moments = [record.frozen_at, *record.deadlines.as_mapping().values()]
        if any(later <= earlier for earlier, later in zip(moments, moments[1:])):
            raise protocol.InvalidSetup(
                "deadlines_out_of_order",
                "frozen_at and the deadlines must strictly increase in the order "
                + ", ".join(DEADLINE_FIELDS),
            )
        ids = [member.id for member in record.pool]
        duplicates = sorted({member_id for member_id in ids if ids.count(member_id) > 1})
        if duplicates:
            raise protocol.InvalidSetup("duplicate_pool_member", f"pool ids appear twice: {', '.join(duplicates)}")
        needed = protocol.shortlist_size(record.panel_size, record.strikes_per_side)
        if len(record.pool) < needed:
            raise protocol.PoolTooSmall(len(record.pool), needed)
    except protocol.InvalidSetup as problem:
        return problem
    return None


def replace(record: SelectionRecord, **changes: Any) -> SelectionRecord:
    return dataclasses.replace(record, **changes)


def _require_aware(moment: object, what: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise RecordFormatError(f"{what} must be a datetime with a UTC offset, not {moment!r}")


def _parse_datetime(value: Any, what: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(value, what))
    except ValueError as error:
        raise RecordFormatError(f"{what}: {error}") from None
    _require_aware(moment, what)
    return moment


def _fields(data: Any, what: str, names: Sequence[str], optional: Sequence[str] = ()) -> dict[str, Any]:
    # Unknown keys are refused: a misspelt key silently ignored would hide an input from the verifier.
    if not isinstance(data, Mapping):
        raise RecordFormatError(f"{what} must be an object")
    missing = [name for name in names if name not in data]
    unknown = sorted(set(data) - set(names) - set(optional))
    if missing or unknown:
        raise RecordFormatError(f"{what}: missing keys {missing}, unknown keys {unknown}")
    return dict(data)


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise RecordFormatError(f"{what} must be a list")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise RecordFormatError(f"{what} must be text, not {value!r}")
    return value


__all__ = [
    "Commitment", "Deadlines", "Fallback", "Outcome", "PoolMember", "RecordFormatError", "Replacement",
    "Reveal", "SelectionRecord", "Strike", "StrikeSubmission", "Withdrawal", "check_setup", "start_selection",
]
