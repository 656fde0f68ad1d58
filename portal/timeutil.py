"""Time helpers: the database keeps UTC; people see Asia/Shanghai (or their locale's zone)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def local_date(moment: datetime):
    return moment.astimezone(LOCAL_TZ).date()
