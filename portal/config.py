"""Configuration read from the environment, with safe defaults and early, clear failures.

Every setting has a default that works on a fresh checkout (SQLite and the Whoosh index in the
instance folder, mail printed to the log), so `make run` needs nothing installed.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.database import ENGINE_OPTIONS

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgresql")
MAIL_BACKENDS = ("log", "smtp")
VERIFICATION_SENDERS = ("log", "sms", "smtp")
SEARCH_BACKENDS = ("whoosh", "postgres")


class ConfigError(RuntimeError):
    """A setting is wrong; the message says which and how to fix it."""


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'portal.sqlite3'}"
    # Heroku-style and bare URLs name no driver; SQLAlchemy needs one, and we ship psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if scheme not in SUPPORTED_DATABASE_SCHEMES:
        raise ConfigError(
            f"DATABASE_URL uses '{scheme}', which this portal does not support; "
            "use sqlite:///path or postgresql://user@host/dbname."
        )
    return url


def _secret_key(instance_path: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the instance folder."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        if len(key) < 16:
            raise ConfigError("SECRET_KEY is too short: use at least 16 random characters.")
        return key
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_hex(32)
    # Create the file private from the start: the key signs every session cookie.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def _mail_settings() -> dict:
    backend = os.environ.get("MAIL_BACKEND", "log").strip() or "log"
    if backend not in MAIL_BACKENDS:
        raise ConfigError(f"MAIL_BACKEND must be one of {', '.join(MAIL_BACKENDS)}, not '{backend}'.")
    settings = {
        "MAIL_BACKEND": backend,
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "noreply@suggestions.example"),
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "1") not in ("0", "false", "no"),
    }
    port = os.environ.get("MAIL_PORT", "587")
    if not (port.isascii() and port.isdigit()):
        raise ConfigError(f"MAIL_PORT must be a number, not '{port}'.")
    settings["MAIL_PORT"] = int(port)
    if backend == "smtp" and not settings["MAIL_SERVER"]:
        raise ConfigError("MAIL_BACKEND=smtp needs MAIL_SERVER.")
    return settings


def _verification_settings(mail: dict) -> dict:
    """How one-time codes reach people: `log` prints them; `sms` and `smtp` deliver for real.

    VERIFICATION_SENDER may name several, comma-separated (`sms,smtp`): each code goes through the
    first that can reach its address (SMS for phone numbers, SMTP for e-mail).
    """
    raw = os.environ.get("VERIFICATION_SENDER", "log").strip() or "log"
    senders = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [name for name in senders if name not in VERIFICATION_SENDERS]
    if unknown or not senders:
        raise ConfigError(f"VERIFICATION_SENDER must name {', '.join(VERIFICATION_SENDERS)} "
                          f"(comma-separated), not '{raw}'.")
    settings = {
        "VERIFICATION_SENDER": senders,
        # A generic HTTP SMS gateway: the portal POSTs JSON {"to", "text"} with the key as a bearer token.
        "VERIFICATION_SMS_URL": os.environ.get("VERIFICATION_SMS_URL", "").strip(),
        "VERIFICATION_SMS_KEY": os.environ.get("VERIFICATION_SMS_KEY", "").strip(),
    }
    if "sms" in senders and not settings["VERIFICATION_SMS_URL"].startswith(("https://", "http://")):
        raise ConfigError("VERIFICATION_SENDER=sms needs VERIFICATION_SMS_URL (the gateway's http(s) address).")
    if "smtp" in senders and not mail["MAIL_SERVER"]:
        raise ConfigError("VERIFICATION_SENDER=smtp needs MAIL_SERVER (the mail settings are shared).")
    return settings


def _reindex_procs() -> int:
    # Analysis (jieba) is pure Python: `flask search reindex` scales with processes, not threads.
    # Beyond 4 the single parent feeding them and the extra segments stop paying off.
    value = os.environ.get("SEARCH_REINDEX_PROCS", "").strip()
    if not value:
        return max(1, min(4, os.cpu_count() or 1))
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 16:
        raise ConfigError(f"SEARCH_REINDEX_PROCS must be a number from 1 to 16, not '{value}'.")
    return int(value)


def _flag(name: str, *, default: bool) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes"):
        return True
    if value in ("0", "false", "no"):
        return False
    raise ConfigError(f"{name} must be 1 or 0, not '{value}'.")
def _search_backend() -> str:
    backend = os.environ.get("SEARCH_BACKEND", "").strip() or "whoosh"
    if backend not in SEARCH_BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}, not '{backend}'.")
    return backend


def check_search_backend(config: dict) -> None:
    """The PostgreSQL search backend keeps its index in the database, so it needs PostgreSQL."""
    if config.get("SEARCH_BACKEND", "whoosh") not in SEARCH_BACKENDS:
        raise ConfigError(f"SEARCH_BACKEND must be one of {', '.join(SEARCH_BACKENDS)}.")
    if config.get("SEARCH_BACKEND") == "postgres" and not config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        raise ConfigError(
            "SEARCH_BACKEND=postgres keeps the search index in the database and needs a PostgreSQL "
            "DATABASE_URL (postgresql://user@host/dbname); use SEARCH_BACKEND=whoosh with SQLite."
        )


def _whole_number(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isascii() or not text.isdigit():
        raise ConfigError(f"{name} must be a whole number, not '{text}'.")
    return int(text)


def load_config(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    index_dir = os.environ.get("SEARCH_INDEX_DIR", "").strip() or str(instance_path / "search-index")
    cookie_secure = _flag("COOKIE_SECURE", default=True)
    config = {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": dict(ENGINE_OPTIONS),
        "SECRET_KEY": _secret_key(instance_path),
        "SEARCH_INDEX_DIR": index_dir,
        # whoosh: an index on this host's disk (one host); postgres: in the database, for every host
        "SEARCH_BACKEND": _search_backend(),
        # Search work is applied right after each commit in-process by default; with several
        # gunicorn workers set SEARCH_SYNC_INLINE=0 and run `flask search sync` as the one writer.
        "SEARCH_SYNC_INLINE": os.environ.get("SEARCH_SYNC_INLINE", "1") not in ("0", "false", "no"),
        "SEARCH_REINDEX_PROCS": _reindex_procs(),
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        # Served over HTTPS (behind a TLS proxy that sets X-Forwarded-Proto): redirect plain http
        # to https and send HSTS. Off by default, so development and tests run on plain http.
        "HTTPS_ONLY": os.environ.get("HTTPS_ONLY", "0") in ("1", "true", "yes"),
        # Session and remember-me cookies: never readable by scripts, not sent on cross-site posts,
        # and only over HTTPS unless COOKIE_SECURE=0 (`make run` on plain http://127.0.0.1).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": cookie_secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": cookie_secure,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; expiry is handled kindly
        "SHARED_DATA_DIR": os.environ.get("SHARED_DATA_DIR", ""),
        "PER_PAGE": 20,
        # Public event log: events dated on a closed (published) day go into the open day, unless
        # a history loader writes past days before the log is published (portal/services/event_log.py).
        "EVENT_LOG_BACKFILL": _flag("EVENT_LOG_BACKFILL", default=False),
        # Quality review (评查): published replies drawn per department each week.
        "QUALITY_SAMPLE_SIZE": _whole_number("QUALITY_SAMPLE_SIZE", 3),
        # The undo window: minutes during which a department may take back a reply it sent
        # (while it is not published, rated or converted). 0 turns undo off.
        "REPLY_UNDO_MINUTES": _whole_number("REPLY_UNDO_MINUTES", 15),
    }
    # Shared page and metrics caches on the scale path (several workers or hosts); else in-process.
    redis_url = os.environ.get("CACHE_REDIS_URL", "").strip()
    if redis_url:
        if not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"CACHE_REDIS_URL must start with redis://, rediss:// or unix://, not '{redis_url}'.")
        config["CACHE_REDIS_URL"] = redis_url
    config.update(_mail_settings())
    config.update(_verification_settings(config))
    from portal.ratelimits import config_from_environment

    config.update(config_from_environment(os.environ))
    return config
