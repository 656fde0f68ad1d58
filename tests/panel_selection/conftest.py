"""Builders for selection records: a fixed calendar in which every action falls inside its window.

Deadlines are one day apart starting the day after the freeze; each action is stamped one hour after the
previous phase's deadline, so it stays valid whether or not the earlier actions happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone

import pytest

import panel_selection as ps

TZ = timezone(timedelta(hours=8))  # the portal records Beijing time
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=TZ)
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
AUTHORITY_SECRET = "5f0c" * 16
RESIDENT_SECRET = "我们一起公平地选听证员 2025 春"
KINDS = ("人大代表", "政协委员", "律师", "专家学者", "社区代表")


class Selections:
    T0 = T0
    DAY = DAY
    HOUR = HOUR
    AUTHORITY_SECRET = AUTHORITY_SECRET
    RESIDENT_SECRET = RESIDENT_SECRET
    HEARING_DATE = date(2025, 3, 20)

    # When each side acts in `run` (see module docstring).
    COMMIT_AT = {ps.AUTHORITY: T0 + HOUR, ps.RESIDENT: T0 + DAY + HOUR}
    REVEAL_AT = {ps.AUTHORITY: T0 + 2 * DAY + HOUR, ps.RESIDENT: T0 + 3 * DAY + HOUR}
    STRIKE_AT = {ps.AUTHORITY: T0 + 4 * DAY + HOUR, ps.RESIDENT: T0 + 5 * DAY + HOUR}
    AFTER_DEADLINES = T0 + 6 * DAY + HOUR

    @staticmethod
    def pool(size: int, start: int = 1) -> list[ps.PoolMember]:
        return [ps.PoolMember(f"m{i:02d}", f"听证员{i}号", KINDS[i % len(KINDS)]) for i in range(start, start + size)]

    def start(self, pool_size: int = 12, panel_size: int = 5, strikes_per_side: int = 1,
              pool: Sequence[ps.PoolMember] | None = None, hearing_ref: str = "衢信听〔2025〕7号") -> ps.SelectionRecord:
        return ps.start_selection(
            hearing_ref=hearing_ref,
            hearing_date=self.HEARING_DATE,
            panel_size=panel_size,
            strikes_per_side=strikes_per_side,
            pool=self.pool(pool_size) if pool is None else pool,
            frozen_at=T0,
            deadlines=ps.Deadlines.spaced(T0 + DAY, DAY),
        )

    def run(
        self,
        record: ps.SelectionRecord,
        *,
        commits: Sequence[str] = ps.SIDES,
        reveals: Sequence[str] = ps.SIDES,
        authority_strikes: Sequence[int] | None = (0,),
        resident_strikes: Sequence[int] | None = (1,),
        withdrawals: Sequence[int] = (),
        publish: bool = True,
        secrets: dict[str, str] | None = None,
    ) -> ps.SelectionRecord:
        """Play the selection. Strikes are shortlist positions (None: the side lets its deadline pass);
        withdrawals are seat numbers on the current panel, one hour apart after every deadline."""
        secrets = secrets or {ps.AUTHORITY: AUTHORITY_SECRET, ps.RESIDENT: RESIDENT_SECRET}
        for side in ps.SIDES:
            if side in commits:
                record = ps.record_commitment(record, side, record.commitment_for(side, secrets[side]),
                                              self.COMMIT_AT[side])
        for side in ps.SIDES:
            if side in commits and side in reveals:
                record = ps.record_reveal(record, side, secrets[side], self.REVEAL_AT[side])
        for side, positions in ((ps.AUTHORITY, authority_strikes), (ps.RESIDENT, resident_strikes)):
            at = self.STRIKE_AT[side]
            current = ps.phase(record, at)
            if positions is not None and current.allows("strikes", side):
                assert current.shortlist is not None
                choices = [(current.shortlist[p], f"position {p}: 曾与{side}有业务往来") for p in positions]
                record = ps.record_strikes(record, side, choices, at)
        if publish:
            record = ps.publish(record, self.AFTER_DEADLINES)
        for number, seat in enumerate(withdrawals, start=1):
            at = self.AFTER_DEADLINES + number * HOUR
            panel = ps.phase(record, at).panel
            assert panel is not None
            record = ps.record_withdrawal(record, panel[seat], "因病无法出席", at)
        return record

    def honest(self) -> ps.SelectionRecord:
        """The happy path: pool of 12, n=5, k=1, one strike each, two withdrawals."""
        return self.run(self.start(), withdrawals=(2, 0))


@pytest.fixture(scope="session")
def sel() -> Selections:
    return Selections()
