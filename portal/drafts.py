"""Keep what a person typed when a form cannot be accepted as sent (expired session, CSRF).

The text is parked server-side under a random token kept in the session cookie and handed back
to the same page once, when it is next shown.
"""
from __future__ import annotations

import json
import secrets
from datetime import timedelta

from flask import session as flask_session
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.models import FormDraft
from portal.timeutil import utcnow

DRAFT_TOKEN_KEY = "draft_token"
DRAFT_LIFETIME = timedelta(days=2)
_NOT_KEPT = {"csrf_token", "password", "new_password", "confirm", "current_password"}


def keepable_items(form) -> list[tuple[str, str]]:
    """The typed values worth keeping: never passwords or tokens, never empty ones."""
    return [(k, v) for k, v in form.items() if k not in _NOT_KEPT and str(v).strip()]


def park_form(session: Session, path: str, form) -> None:
    token = flask_session.get(DRAFT_TOKEN_KEY) or secrets.token_urlsafe(24)
    flask_session[DRAFT_TOKEN_KEY] = token
    data = dict(keepable_items(form))
    if not data:
        return
    session.execute(delete(FormDraft).where(FormDraft.token == token, FormDraft.path == path))
    session.execute(delete(FormDraft).where(FormDraft.created_at < utcnow() - DRAFT_LIFETIME))
    session.add(FormDraft(token=token, path=path, data_json=json.dumps(data, ensure_ascii=False)))


def recover_form(session: Session, path: str) -> dict | None:
    """The parked data for `path`, once; None when nothing was parked."""
    token = flask_session.get(DRAFT_TOKEN_KEY)
    if not token:
        return None
    draft = session.scalar(select(FormDraft).where(FormDraft.token == token, FormDraft.path == path))
    if draft is None:
        return None
    session.delete(draft)
    return json.loads(draft.data_json)
