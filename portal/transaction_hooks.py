"""Work that belongs to the end of a real transaction: mail, codes, index jobs, cache bumps.

SQLAlchemy sends `after_commit` and `after_rollback` for SAVEPOINTs too (`begin_nested`). At
that moment the outer transaction still runs: on SQLite the request still holds the write lock,
and the outer transaction may yet roll back. Mail sent then could announce a change that never
happened, and waiting for a job there deadlocks against the lock. These decorators register a
listener that runs only when the outermost transaction ends.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

Hook = Callable[[Session], None]


def _outermost_only(hook: Hook) -> Hook:
    def listener(session: Session) -> None:
        if session.in_nested_transaction():  # a SAVEPOINT released or rolled back
            return
        hook(session)
    listener.__name__ = listener.__qualname__ = hook.__name__
    listener.__doc__ = hook.__doc__
    return listener


def after_real_commit(hook: Hook) -> Hook:
    event.listen(Session, "after_commit", _outermost_only(hook))
    return hook


def after_real_rollback(hook: Hook) -> Hook:
    event.listen(Session, "after_rollback", _outermost_only(hook))
    return hook
