"""Verifiable joint selection of hearing members (信访人与听证机关共同选定听证员).

Standard library only, no Flask, no database: the portal stores a `SelectionRecord`, calls the
`record_*` functions to add actions, `phase` to render the current step, `publish` at the end, and
`verify` / `steps` for the audit page and the `flask hearings verify` command.
The protocol is described in docs/panel-selection.md.
"""

from .eligibility import HearingMember, eligible, ineligibility_reasons
from .protocol import (
    AUTHORITY,
    RESIDENT,
    SECRET_MAX_LENGTH,
    SECRET_MIN_LENGTH,
    SIDES,
    VERSION,
    InvalidSecret,
    InvalidSetup,
    PoolTooSmall,
    SelectionError,
    canonical_pool_json,
    check_secret,
    commitment_for,
    new_secret,
    order_pool,
    pool_hash,
)
from .record import (
    Commitment,
    Deadlines,
    Fallback,
    Outcome,
    PoolMember,
    RecordFormatError,
    Replacement,
    Reveal,
    SelectionRecord,
    Strike,
    StrikeSubmission,
    Withdrawal,
    start_selection,
)
from .rules import (
    PANEL_FINAL,
    ActionRefused,
    Phase,
    Problem,
    compute,
    phase,
    publish,
    record_commitment,
    record_reveal,
    record_strikes,
    record_withdrawal,
)
from .verify import Step, VerificationReport, steps, verify

__all__ = [
    "AUTHORITY", "RESIDENT", "SIDES", "VERSION", "SECRET_MIN_LENGTH", "SECRET_MAX_LENGTH", "PANEL_FINAL",
    "SelectionError", "InvalidSetup", "PoolTooSmall", "InvalidSecret", "ActionRefused", "RecordFormatError",
    "HearingMember", "eligible", "ineligibility_reasons",
    "PoolMember", "Deadlines", "SelectionRecord", "Commitment", "Reveal", "Strike", "StrikeSubmission",
    "Withdrawal", "Outcome", "Fallback", "Replacement",
    "start_selection", "new_secret", "check_secret", "commitment_for", "canonical_pool_json", "pool_hash",
    "order_pool", "phase", "Phase", "record_commitment", "record_reveal", "record_strikes", "record_withdrawal",
    "publish", "compute", "verify", "VerificationReport", "Problem", "steps", "Step",
]
