"""Caches that keep busy public pages cheap: rendered pages for anonymous visitors, list counts and
the metrics figures, all invalidated by generation counters bumped after each commit that changes
what they show, plus HTTP validators (ETag, Last-Modified, Cache-Control) so browsers revalidate.

Flask-Caching holds the entries: in-process (SimpleCache) by default, shared through Redis on the
scale path (CACHE_REDIS_URL), so that one worker's commit invalidates every worker's pages. With
the in-process default and several workers, another worker's pages go stale for at most
PAGE_TIMEOUT seconds; the README's scale path therefore sets CACHE_REDIS_URL.

Two generations: "public" moves with any change a public page may show (a support changes a
count); "metrics" ignores supports and follows, which no figure counts, so that a crowd of
supporters does not recompute the metrics on every page view. Time alone also changes what some
pages show (a themed call closes, the review window ends), so every entry expires after a while.
"""
from __future__ import annotations

import hashlib
import os
import time
from functools import wraps
from typing import Callable

from flask import current_app, g, has_app_context, make_response, request, session as flask_session
from flask_caching import Cache
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session
from portal.transaction_hooks import after_real_commit, after_real_rollback

cache = Cache()

PAGE_TIMEOUT = 60          # seconds: bounds staleness from time passing, not from changes
METRICS_TIMEOUT = 300      # the metrics figures' time window
COUNT_TIMEOUT = 300
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
SHAREABLE_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "_permanent"})
# What Flask-Login adds for a signed-in reader; anything else (a flashed message, a parked draft,
# a pending verification) is the reader's own state of the moment.
READER_SESSION_KEYS = SHAREABLE_SESSION_KEYS | {"_user_id", "_id"}

# Tables whose rows never appear on a public page nor in a figure.
# (The search-index outbox is not: the writer deleting its rows means search results changed.)
PRIVATE_TABLES = frozenset({"notification", "follow"})
# Changes that move public pages but no metric.
NOT_IN_METRICS = PRIVATE_TABLES | {"support", "index_outbox"}
_CHANGED = "volume.changed_generations"


def init_app(app) -> None:
    config = app.config
    if config.get("CACHE_REDIS_URL"):
        config.setdefault("CACHE_TYPE", "RedisCache")
        # Portals (or test runs) sharing one Redis keep apart, as RATELIMIT_KEY_PREFIX does for limits.
        config.setdefault("CACHE_KEY_PREFIX", os.environ.get("CACHE_KEY_PREFIX", "portal") + ":")
    else:
        config.setdefault("CACHE_TYPE", "SimpleCache")
        config.setdefault("CACHE_THRESHOLD", 300)  # ~300 pages of 20–60 kB per worker at most
    config.setdefault("CACHE_DEFAULT_TIMEOUT", PAGE_TIMEOUT)
    cache.init_app(app)


# --- generations ---------------------------------------------------------------------------------

def generation(name: str) -> int:
    """The current generation (a time in ns of the last change; 0 before any), read once a request."""
    memo = g.setdefault("cache_generations", {})
    if name not in memo:
        memo[name] = int(cache.get(f"gen:{name}") or 0)
    return memo[name]


def bump(*names: str) -> None:
    stamp = time.time_ns()
    for name in names:
        cache.set(f"gen:{name}", stamp, timeout=0)
    if "cache_generations" in g:
        g.cache_generations.clear()


def _mark(session: Session, *names: str) -> None:
    session.info.setdefault(_CHANGED, set()).update(names)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    changed = [*session.new, *session.deleted, *(obj for obj in session.dirty if session.is_modified(obj))]
    tables = {obj.__table__.name for obj in changed}
    if tables - PRIVATE_TABLES:
        _mark(session, "public")
    if tables - NOT_IN_METRICS:
        _mark(session, "metrics")
    if tables & PRIVATE_TABLES:
        _mark(session, "personal")


@event.listens_for(Session, "do_orm_execute")
def _statement(state) -> None:
    # UPDATE/DELETE statements bypass the flush: the support counter is one.
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if table is not None:
            _mark(state.session, "personal" if table.name in PRIVATE_TABLES else "public")


@after_real_commit
def _after_commit(session: Session) -> None:
    changed = session.info.pop(_CHANGED, None)
    if changed and has_app_context():
        bump(*changed)


@after_real_rollback
def _after_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


# --- cached values -------------------------------------------------------------------------------

def remember(key: str, compute: Callable, *, generation_name: str = "public", timeout: int = COUNT_TIMEOUT):
    """`compute()`, or its value from the cache while the generation has not moved."""
    full_key = f"value:{generation(generation_name)}:{key}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, timeout=timeout)
    return value


# --- parts of signed-in pages --------------------------------------------------------------------

def shared_fragment(scope: str, render: Callable[[], str], *, timeout: int = PAGE_TIMEOUT) -> Markup:
    """Part of a signed-in page that every reader with the same `scope` sees alike (the office's
    queue, one department's workbench), rendered once and shared until something changes.

    Keyed by the request's path and query and the reader's language. It follows the "metrics"
    generation, which every change moves except supports, follows and notifications -- none of which
    a work queue shows -- so a crowd of supporters does not make the clerks' pages recompute. Time
    alone (a deadline passing) shows within `timeout`. The page around it (the reader's name,
    saved views, messages) is rendered per reader; a CSRF token inside is put back per reader.
    """
    from portal.i18n import current_locale_code

    path = hashlib.sha256(request.full_path.encode()).hexdigest()
    key = f"fragment:{generation('metrics')}:{scope}:{current_locale_code()}:{path}"
    stored = cache.get(key)
    if stored is None:
        body = render()
        token = g.get("csrf_token")
        stored = body.replace(token, CSRF_PLACEHOLDER) if token else body
        cache.set(key, stored, timeout=timeout)
    return Markup(_with_visitor_token(stored))


# --- pages ---------------------------------------------------------------------------------------

def _anonymous_and_stateless() -> bool:
    """Only visitors with nothing of their own in the session see shared copies: no user, no
    flashed message, no parked draft -- at most the CSRF token, which is put back per visitor,
    and Flask-Login's freshness mark."""
    if current_user.is_authenticated:
        return False
    return all(key in SHAREABLE_SESSION_KEYS for key in flask_session.keys())


def _page_key() -> str:
    from portal.i18n import current_locale_code

    path = hashlib.sha256(request.full_path.encode()).hexdigest()
    return f"page:{generation('public')}:{current_locale_code()}:{path}"


def _with_visitor_token(body: str):
    if CSRF_PLACEHOLDER not in body:
        return body
    from flask_wtf.csrf import generate_csrf

    return body.replace(CSRF_PLACEHOLDER, generate_csrf())


def not_shareable() -> None:
    """This response must not become the shared copy (e.g. "search is temporarily unavailable":
    the next visitor should get the repaired index, not this page for another 30 s)."""
    g.not_shareable = True


def public_page(view: Callable | None = None, *, timeout: int = PAGE_TIMEOUT):
    """Serve anonymous visitors a shared rendered copy, with validators so browsers revalidate.

    Signed-in readers always get a fresh page (it shows their own state) marked private.
    """
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if request.method != "GET" or not _anonymous_and_stateless():
                response = make_response(view(*args, **kwargs))
                response.headers.setdefault("Cache-Control", "private, no-cache")
                return response
            return _stored_page(_page_key(), lambda: view(*args, **kwargs), timeout)
        return wrapper
    return decorator(view) if view is not None else decorator


def reader_page(view: Callable | None = None, *, timeout: int = PAGE_TIMEOUT):
    """Keep a signed-in reader's rendering of a page they reload all day (the office queue, a
    department's workbench) until something it may show changes.

    Keyed by the reader's session id (a log-out or password change starts a new one), the path,
    the language, the "metrics" generation (any change to a suggestion, a saved view or an
    account) and the "personal" one (notifications and follows, which the header counts). Only
    a session with nothing else of its own is served a kept copy: a flashed message or a parked
    draft renders the page afresh. The CSRF token is put back per session, as on public pages.
    """
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if (request.method != "GET" or not current_user.is_authenticated
                    or not all(key in READER_SESSION_KEYS for key in flask_session.keys())):
                return view(*args, **kwargs)
            from portal.i18n import current_locale_code

            path = hashlib.sha256(request.full_path.encode()).hexdigest()
            key = (f"reader:{generation('metrics')}:{generation('personal')}:{current_user.get_id()}:"
                   f"{current_locale_code()}:{path}")
            return _stored_page(key, lambda: view(*args, **kwargs), timeout, shared=False)
        return wrapper
    return decorator(view) if view is not None else decorator


def _stored_page(key: str, render: Callable, timeout: int, *, shared: bool = True):
    """The response kept under `key`, or `render()`'s, kept when it is a complete 200 page.

    A shared copy says when public pages last changed (Last-Modified); a reader's copy has only
    its ETag, since the reader's own changes do not move that time."""
    stored = cache.get(key)
    if stored is None:
        response = make_response(render())
        if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
                or g.get("not_shareable")):
            if not shared:
                response.headers.setdefault("Cache-Control", "private, no-cache")
            return response
        body = response.get_data(as_text=True)
        token = g.get("csrf_token")
        stored = (body.replace(token, CSRF_PLACEHOLDER) if token else body, response.mimetype,
                  generation("public") if shared else 0)
        cache.set(key, stored, timeout=timeout)
    else:
        response = current_app.response_class(mimetype=stored[1])
    body, _mimetype, changed_ns = stored
    response.set_data(_with_visitor_token(body))
    personal = not shared or CSRF_PLACEHOLDER in body
    response.headers["Cache-Control"] = "private, no-cache" if personal else "public, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    if changed_ns:
        response.last_modified = changed_ns // 1_000_000_000
    # The signed token changes every second while the session's token stays: the page is
    # the same for this visitor as long as the stored copy and the session's token are.
    tag_source = body + (flask_session.get("csrf_token", "") if personal else "")
    response.set_etag(hashlib.sha256(tag_source.encode()).hexdigest())
    return response.make_conditional(request)
