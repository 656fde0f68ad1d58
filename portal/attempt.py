"""The one place a request's changes are committed: ``attempt(call, *refused)``.

A view calls a service (services never commit) through :func:`attempt`. When the call succeeds the
changes are committed. When it raises one of the ``refused`` errors (the ones the view knows how to
explain), the transaction is rolled back and the error comes back for the page to show. Any other
error propagates to the error handlers, and the request's teardown rolls back.

What follows differs per page and stays in the view: flash and redirect, or render the form again
with what was typed and the error beside it::

    done = attempt(lambda: handling.publish(db.session, suggestion, current_user), HandlingError)
    if done.ok:
        flash(_("Published."), "success")
    else:
        flash(error_message(done.error.code), "error")
    return redirect(...)

A refused error raised by the commit itself (a unique constraint that a colleague's request won
meanwhile, say) is rolled back and returned like one raised by the call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Optional, TypeVar

from portal.extensions import db

T = TypeVar("T")


@dataclass(frozen=True)
class Attempt(Generic[T]):
    """What came of a service call: its value when committed, else the error it was refused with."""

    value: Optional[T] = None
    error: Optional[Exception] = None

    @property
    def ok(self) -> bool:
        return self.error is None


def attempt(call: Callable[[], T], *refused: type[Exception], keep_refused: bool = False) -> Attempt[T]:
    """Run ``call()`` and commit; on one of the ``refused`` errors roll back and return it instead.

    ``keep_refused``: commit what the refused call changed all the same (a wrong verification code
    still counts as a try).
    """
    try:
        value = call()
    except refused as error:
        if keep_refused:
            db.session.commit()
        else:
            db.session.rollback()
        return Attempt(error=error)
    try:
        db.session.commit()
    except refused as error:
        db.session.rollback()
        return Attempt(error=error)
    return Attempt(value=value)


def commit(call: Callable[[], Any] = lambda: None) -> Any:
    """``call()`` and commit, for changes that cannot be refused; returns what the call returned."""
    return attempt(call).value
