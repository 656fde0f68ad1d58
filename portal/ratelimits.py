"""Rate limits and the log-in lockout, counted in Flask-Limiter's storage.

The counters live where `RATELIMIT_STORAGE_URI` says: `memory://` (one process, the default so
`make run` needs nothing) or `redis://…`, which every gunicorn worker and every host shares.

Who is counted:
- the client address, `request.remote_addr`, which `ProxyFix` sets from X-Forwarded-For only for
  the number of proxies configured in `PROXY_TRUSTED_HOPS` (never blindly from the header);
- the account (the signed-in user), falling back to the address for visitors;
- the identity typed into a log-in or registration form, normalised the way accounts are found
  (`accounts.normalize_login`), so "138 0013 8000" and "１３８００１３８０００" are one identity.

The log-in lockout counts attempts before the password is checked, in one atomic hit on the
storage: 40 parallel wrong attempts get at most 5 evaluations. A stranger cannot lock the
administrator out: the tight lock is per identity *and* address (`LOGIN_FAILURES`, 5 per 15
minutes), and the identity as a whole (`LOGIN_IDENTITY`, 50 attempts an hour from any address)
only locks when at least ten addresses guess together. A success clears the failures counted for
that identity and address.
"""
from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_login import current_user
from limits import RateLimitItem, parse_many
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.services.accounts import AccountError, normalize_login

log = logging.getLogger(__name__)


def client_address() -> str:
    return request.remote_addr or "unknown"


def account_or_address() -> str:
    if current_user and current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{client_address()}"


def typed_identity(field: str = "login") -> str:
    """The log-in a form names, as the account lookup would read it."""
    value = request.form.get(field, "")
    try:
        kind, normalised = normalize_login(value)
    except AccountError:
        return "other:" + value.strip().lower()[:254]
    return f"{kind}:{normalised}"


# name → (default, meaning). Each is configurable as RATELIMIT_<NAME>, in the `limits` notation
# ("5 per minute; 100 per day"), and is checked at start.
LIMITS: dict[str, tuple[str, str]] = {
    "LOGIN_ADDRESS": ("30 per minute; 300 per hour", "log-in attempts per client address"),
    "LOGIN_FAILURES": ("5 per 15 minutes", "lockout: failed log-ins per identity from one address"),
    "LOGIN_IDENTITY": ("50 per hour", "lockout: log-in attempts per identity from all addresses"),
    "REGISTER_ADDRESS": ("10 per hour; 30 per day", "registrations sent per client address"),
    "REGISTER_IDENTITY": ("5 per hour", "registrations sent per typed phone or e-mail"),
    "CODE_ADDRESS": ("10 per hour", "verification codes requested per client address"),
    "CODE_ACCOUNT": ("1 per minute; 5 per hour", "verification codes requested per phone or e-mail"),
    "SUBMIT_ACCOUNT": ("10 per hour; 30 per day", "suggestions sent per account"),
    "SUBMIT_ADDRESS": ("30 per hour", "suggestions sent per client address"),
    "SUPPORT_ACCOUNT": ("60 per hour", "supports per account"),
    "SUPPORT_ADDRESS": ("200 per hour", "supports per client address"),
    "EXPORT_ADDRESS": ("60 per hour", "open-data downloads per client address"),
    "EVENT_LOG_ADDRESS": ("2000 per hour", "event-log day files and their index per client address"),
    "SEARCH_ADDRESS": ("60 per minute", "searches per client address"),
    "API_ADDRESS": ("120 per minute", "reads of the JSON API, Atom feeds and Open311 per client address"),
}


def config_from_environment(environ) -> dict:
    """RATELIMIT_* settings; a limit that does not parse stops the start with a clear message."""
    from portal.config import ConfigError

    config = {
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://",
        "RATELIMIT_ENABLED": environ.get("RATELIMIT_ENABLED", "1") not in ("0", "false", "no"),
        "RATELIMIT_KEY_PREFIX": environ.get("RATELIMIT_KEY_PREFIX", "portal"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Redis down: keep serving, with per-process counters, rather than failing every request.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }
    if not config["RATELIMIT_STORAGE_URI"].startswith(("memory://", "redis://", "rediss://")):
        raise ConfigError("RATELIMIT_STORAGE_URI must be memory:// or redis://host:port/db.")
    for name, (default, _meaning) in LIMITS.items():
        value = environ.get(f"RATELIMIT_{name}", "").strip() or default
        try:
            parse_many(value)
        except ValueError:
            raise ConfigError(f"RATELIMIT_{name} must look like '5 per minute; 100 per day', not '{value}'.")
        config[f"RATELIMIT_{name}"] = value
    hops = environ.get("PROXY_TRUSTED_HOPS", "0").strip() or "0"
    if not hops.isascii() or not hops.isdigit() or int(hops) > 5:
        raise ConfigError(f"PROXY_TRUSTED_HOPS must be the number of proxies in front (0–5), not '{hops}'.")
    config["PROXY_TRUSTED_HOPS"] = int(hops)
    return config


@dataclass(frozen=True)
class ViewLimit:
    name: str
    key_func: Callable[[], str]
    methods: tuple[str, ...] | None
    exempt_when: Callable[[], bool] | None


def limit(name: str, key_func: Callable[[], str], *, methods: tuple[str, ...] | None = ("POST",),
          exempt_when: Callable[[], bool] | None = None) -> Callable[[Callable], Callable]:
    """Mark a view as counted (POSTs unless `methods` says) under RATELIMIT_<name>.

    The count is shared by every view carrying the same name (e.g. all open-data downloads).
    Marks, not limits: each app gets its own Limiter in `init_app`, so two apps in one process
    (tests, or a worker next to a CLI command) never share a storage by accident.
    """
    def mark(view: Callable) -> Callable:
        view.rate_limits = [ViewLimit(name, key_func, methods, exempt_when), *getattr(view, "rate_limits", [])]
        return view
    return mark


def limit_code_sending(view: Callable) -> Callable:
    """For the verification-code route, under its access decorator: per address and per phone/e-mail."""
    return limit("CODE_ADDRESS", client_address)(limit("CODE_ACCOUNT", typed_identity)(view))


def init_app(app: Flask) -> None:
    """Give `app` its own Limiter and apply the limits its views are marked with (after blueprints)."""
    hops = app.config.get("PROXY_TRUSTED_HOPS", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    limiter = Limiter(key_func=client_address, key_prefix=app.config["RATELIMIT_KEY_PREFIX"])
    limiter.init_app(app)
    app.extensions["portal_limiter"] = limiter
    for endpoint, view in list(app.view_functions.items()):
        for spec in getattr(view, "rate_limits", ()):
            view = limiter.shared_limit(_configured(spec.name), scope=spec.name.lower(), key_func=spec.key_func,
                                        methods=list(spec.methods) if spec.methods else None,
                                        exempt_when=spec.exempt_when)(view)
        app.view_functions[endpoint] = view


def current_limiter() -> Limiter:
    return current_app.extensions["portal_limiter"]


def _configured(name: str) -> Callable[[], str]:
    return lambda: current_app.config[f"RATELIMIT_{name}"]


# ----- the log-in lockout ----------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginLock:
    minutes: int  # until another attempt is evaluated


def _attempt_limits() -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    config = current_app.config
    prefix, identity, address = config["RATELIMIT_KEY_PREFIX"], typed_identity(), client_address()
    per_pair = [(item, (prefix, "login-failures", identity, address))
                for item in parse_many(config["RATELIMIT_LOGIN_FAILURES"])]
    per_identity = [(item, (prefix, "login-identity", identity))
                    for item in parse_many(config["RATELIMIT_LOGIN_IDENTITY"])]
    return per_pair + per_identity


def reserve_login_attempt() -> LoginLock | None:
    """Count this attempt before its password is checked; a LoginLock when it may not be checked.

    The hit and the test are one operation on the storage, so parallel attempts cannot all slip
    under the limit. Disabled limits (RATELIMIT_ENABLED=0) lock nobody.
    """
    limiter = current_limiter()
    if not limiter.enabled:
        return None
    strategy = limiter.limiter
    try:
        for item, keys in _attempt_limits():
            if not strategy.hit(item, *keys):
                reset_at = strategy.get_window_stats(item, *keys).reset_time
                return LoginLock(minutes=max(1, math.ceil((reset_at - time.time()) / 60)))
    except Exception:  # storage unreachable: log-ins keep working, as the other limits do
        log.exception("rate-limit storage unavailable; log-in lockout not counted")
    return None


def forget_login_failures() -> None:
    """A correct password: this identity and address start afresh (the global count is kept)."""
    limiter = current_limiter()
    if not limiter.enabled:
        return
    try:
        for item, keys in _attempt_limits():
            if keys[1] == "login-failures":
                limiter.limiter.clear(item, *keys)
    except Exception:
        log.exception("rate-limit storage unavailable; log-in failures not cleared")
