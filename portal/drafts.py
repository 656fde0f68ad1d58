"""Keep what a person typed when a form cannot be accepted as sent (expired session, CSRF, limit).

The text is parked under a random token kept in the session cookie and handed back to the same
page once, when it is next shown. It lives in a cache of its own, not in the database, so that an
error page or a GET page never writes there (on SQLite a GET that reads and then writes can be
refused outright when another worker wrote meanwhile): a folder of the instance by default,
shared by every worker of the host; Redis on the scale path (CACHE_REDIS_URL), shared by every
host. A long suggestion outgrows a 4 KB cookie, so the cookie holds only the token.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from flask import Flask, session as flask_session
from flask_caching import Cache

DRAFT_TOKEN_KEY = "draft_token"
DRAFT_LIFETIME = timedelta(days=2)
_NOT_KEPT = {"csrf_token", "password", "new_password", "confirm", "current_password"}

drafts = Cache()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("CACHE_REDIS_URL")
    if redis_url:
        prefix = app.config.get("CACHE_KEY_PREFIX") or "portal:"
        config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": prefix + "draft:"}
    else:
        folder = app.config.get("DRAFTS_DIR") or str(Path(app.instance_path) / "drafts")
        config = {"CACHE_TYPE": "FileSystemCache", "CACHE_DIR": folder, "CACHE_THRESHOLD": 20_000}
    drafts.init_app(app, config={**config, "CACHE_DEFAULT_TIMEOUT": int(DRAFT_LIFETIME.total_seconds())})


def keepable_items(form) -> list[tuple[str, str]]:
    """The typed values worth keeping: never passwords or tokens, never empty ones."""
    return [(k, v) for k, v in form.items() if k not in _NOT_KEPT and str(v).strip()]


def _key(token: str, path: str) -> str:
    return hashlib.sha256(f"{token}\n{path}".encode()).hexdigest()


def park_form(path: str, form) -> bool:
    """Keep `form`'s typed values for `path`; True when there was something to keep."""
    data = dict(keepable_items(form))
    if not data:
        return False
    token = flask_session.get(DRAFT_TOKEN_KEY) or secrets.token_urlsafe(24)
    flask_session[DRAFT_TOKEN_KEY] = token
    drafts.set(_key(token, path), data)
    return True


def recover_form(path: str) -> dict | None:
    """The parked data for `path`, once; None when nothing was parked."""
    token = flask_session.get(DRAFT_TOKEN_KEY)
    if not token:
        return None
    key = _key(token, path)
    data = drafts.get(key)
    if data is not None:
        drafts.delete(key)
    return data
