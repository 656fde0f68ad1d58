"""Hashing, ordering and parameter rules of the joint selection protocol, version 1.

Everything here is a pure function of its arguments, and every hashed string is spelled out in
docs/panel-selection.md, so an outside auditor can recompute a selection with any SHA-256 tool.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .record import Commitment, PoolMember, Reveal, StrikeSubmission, Withdrawal

VERSION = "panel-selection/v1"

AUTHORITY = "authority"
RESIDENT = "resident"
# The authority acts first in every phase; see docs/panel-selection.md ("Why the authority goes first").
SIDES: tuple[str, str] = (AUTHORITY, RESIDENT)

PANEL_SIZES = (3, 5, 7)
STRIKES_PER_SIDE = (0, 1, 2)
SECRET_MIN_LENGTH = 16
SECRET_MAX_LENGTH = 256
HEARING_REF_MAX_LENGTH = 64

# The deadline fields in the order the phases happen; each must be strictly later than the previous one.
DEADLINE_FIELDS = (
    "authority_commit_by",
    "resident_commit_by",
    "authority_reveal_by",
    "resident_reveal_by",
    "authority_strikes_by",
    "resident_strikes_by",
)


class SelectionError(ValueError):
    """A refused input; `code` is the same short code the verifier reports."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class InvalidSetup(SelectionError):
    """The hearing's parameters, deadlines or pool cannot start a selection."""


class PoolTooSmall(InvalidSetup):
    """Fewer eligible members than the shortlist needs (panel size + 2 × strikes per side)."""

    def __init__(self, pool_size: int, needed: int) -> None:
        super().__init__(
            "pool_too_small", f"the pool has {pool_size} members, the shortlist needs {needed}"
        )
        self.pool_size = pool_size
        self.needed = needed


class InvalidSecret(SelectionError):
    """A secret that breaks the length or character rules."""


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_sha256_hex(value: object) -> bool:
    """64 lowercase hex digits: the only spelling we publish, so equal hashes compare equal as text."""
    return (
        isinstance(value, str)
        and len(value) == 64
        and all(c in "0123456789abcdef" for c in value)
    )


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8 without escapes: one byte string per value."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def utc_text(moment: datetime) -> str:
    """One spelling per instant, so hashes do not depend on the time zone a timestamp was written in."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must carry a UTC offset")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_pool_json(pool: Iterable[PoolMember]) -> bytes:
    """The published bytes of a frozen pool: a JSON list of {id, kind, name}, sorted by id."""
    members = sorted(pool, key=lambda member: member.id)
    return canonical_json([{"id": m.id, "kind": m.kind, "name": m.name} for m in members])


def pool_hash(pool: Iterable[PoolMember]) -> str:
    return hashlib.sha256(canonical_pool_json(pool)).hexdigest()


def setup_hash(
    *,
    hearing_ref: str,
    hearing_date: date,
    panel_size: int,
    strikes_per_side: int,
    frozen_at: datetime,
    deadlines: Mapping[str, datetime],
    pool_hash: str,
) -> str:
    """Hash of everything fixed before the first commitment.

    Commitments bind this rather than the pool hash alone, so nobody can change the panel size,
    the number of strikes or a deadline once the secrets are known.
    """
    return hashlib.sha256(
        canonical_json(
            {
                "version": VERSION,
                "hearing_ref": hearing_ref,
                "hearing_date": hearing_date.isoformat(),
                "panel_size": panel_size,
                "strikes_per_side": strikes_per_side,
                "frozen_at": utc_text(frozen_at),
                "deadlines": {name: utc_text(deadlines[name]) for name in DEADLINE_FIELDS},
                "pool_hash": pool_hash,
            }
        )
    ).hexdigest()


def actions_hash(
    *,
    setup_hash: str,
    commitments: Iterable[Commitment],
    reveals: Iterable[Reveal],
    strikes: Iterable[StrikeSubmission],
    withdrawals: Iterable[Withdrawal],
) -> str:
    """Hash of every recorded action exactly as the record lists it, refused ones included.

    The other outcome fields cover only what the actions decide (seed, struck names, replacements);
    a strike or withdrawal reason, or a time that stays within its window, decides nothing, yet it is
    a published input too. Hashing them into the outcome makes a later edit of any of them visible.
    Times go through `utc_text`, as in `setup_hash`, so rewriting an instant in another offset is no change.
    """
    return hashlib.sha256(
        canonical_json(
            {
                "version": VERSION,
                "setup_hash": setup_hash,
                "commitments": [
                    {"side": c.side, "commitment": c.commitment, "recorded_at": utc_text(c.recorded_at)}
                    for c in commitments
                ],
                "reveals": [
                    {"side": r.side, "secret": r.secret, "recorded_at": utc_text(r.recorded_at)} for r in reveals
                ],
                "strikes": [
                    {
                        "side": s.side,
                        "strikes": [{"member_id": x.member_id, "reason": x.reason} for x in s.strikes],
                        "recorded_at": utc_text(s.recorded_at),
                    }
                    for s in strikes
                ],
                "withdrawals": [
                    {"member_id": w.member_id, "reason": w.reason, "recorded_at": utc_text(w.recorded_at)}
                    for w in withdrawals
                ],
            }
        )
    ).hexdigest()


def commitment_for(hearing_ref: str, side: str, setup_hash: str, secret: str) -> str:
    """What a side publishes before revealing `secret`; bound to hearing, side and setup so it can't be replayed."""
    return sha256_hex(f"{VERSION}|commit|{hearing_ref}|{side}|{setup_hash}|{secret}")


def revealed_contribution(secret: str) -> str:
    # Hashing each contribution to fixed-length hex keeps the seed input unambiguous whatever the secrets contain.
    return sha256_hex(f"{VERSION}|revealed|{secret}")


def no_commit_contribution(side: str, setup_hash: str) -> str:
    """Public stand-in for a side that did not commit in time (anyone can compute it in advance)."""
    return sha256_hex(f"{VERSION}|no-commit|{side}|{setup_hash}")


def no_reveal_contribution(side: str, commitment: str) -> str:
    """Stand-in for a side that committed but did not reveal: fixed by its own commitment."""
    return sha256_hex(f"{VERSION}|no-reveal|{side}|{commitment}")


def seed_from(setup_hash: str, resident_contribution: str, authority_contribution: str) -> str:
    return sha256_hex(
        f"{VERSION}|seed|{setup_hash}|{resident_contribution}|{authority_contribution}"
    )


def order_key(seed: str, member_id: str) -> str:
    return hmac.new(bytes.fromhex(seed), member_id.encode("utf-8"), hashlib.sha256).hexdigest()


def order_pool(seed: str, member_ids: Iterable[str]) -> list[str]:
    """The whole pool in draw order: ascending HMAC-SHA256(key=seed, msg=id); the id breaks (impossible) ties."""
    return sorted(member_ids, key=lambda member_id: (order_key(seed, member_id), member_id))


def shortlist_size(panel_size: int, strikes_per_side: int) -> int:
    return panel_size + 2 * strikes_per_side


def check_parameters(panel_size: object, strikes_per_side: object) -> None:
    # `type(...) is int` because bool is an int subclass and True must not mean a panel of one.
    if type(panel_size) is not int or panel_size not in PANEL_SIZES:
        raise InvalidSetup("panel_size_invalid", f"panel size must be 3, 5 or 7, not {panel_size!r}")
    if type(strikes_per_side) is not int or strikes_per_side not in STRIKES_PER_SIDE:
        raise InvalidSetup(
            "strikes_per_side_invalid", f"strikes per side must be 0, 1 or 2, not {strikes_per_side!r}"
        )


def check_hearing_ref(hearing_ref: object) -> None:
    # "|" separates the fields of the hashed strings; forbidding it keeps them unambiguous.
    if (
        not isinstance(hearing_ref, str)
        or not hearing_ref
        or len(hearing_ref) > HEARING_REF_MAX_LENGTH
        or hearing_ref != hearing_ref.strip()
        or "|" in hearing_ref
        or any(unicodedata.category(c).startswith("C") for c in hearing_ref)
    ):
        raise InvalidSetup(
            "hearing_ref_invalid",
            f"hearing reference must be 1-{HEARING_REF_MAX_LENGTH} printable characters without '|'",
        )


def check_secret(secret: object) -> None:
    """Length bounds make guessing a typed secret expensive; no outer spaces or control characters
    because copy and paste changes them silently and the reveal would no longer match."""
    if not isinstance(secret, str):
        raise InvalidSecret("secret_invalid", "the secret must be text")
    if not SECRET_MIN_LENGTH <= len(secret) <= SECRET_MAX_LENGTH:
        raise InvalidSecret(
            "secret_invalid",
            f"the secret must have {SECRET_MIN_LENGTH}-{SECRET_MAX_LENGTH} characters, not {len(secret)}",
        )
    if secret != secret.strip() or any(unicodedata.category(c).startswith("C") for c in secret):
        raise InvalidSecret(
            "secret_invalid", "the secret must not start or end with spaces or hold control characters"
        )


def new_secret() -> str:
    """256 random bits as 64 hex digits: what the web page suggests to either side."""
    return secrets.token_hex(32)
