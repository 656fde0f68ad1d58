"""Configuration read from the environment, with safe defaults and early, clear failures.

Every setting has a default that works on a fresh checkout (SQLite and the Whoosh index in the
instance folder, mail printed to the log), so `make run` needs nothing installed.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

SUPPORTED_DATABASE_SCHEMES = ("sqlite", "postgresql")
MAIL_BACKENDS = ("log", "smtp")


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
    if not port.isdigit():
        raise ConfigError(f"MAIL_PORT must be a number, not '{port}'.")
    settings["MAIL_PORT"] = int(port)
    if backend == "smtp" and not settings["MAIL_SERVER"]:
        raise ConfigError("MAIL_BACKEND=smtp needs MAIL_SERVER.")
    return settings


def _reindex_procs() -> int:
    # Analysis (jieba) is pure Python: `flask search reindex` scales with processes, not threads.
    # Beyond 4 the single parent feeding them and the extra segments stop paying off.
    value = os.environ.get("SEARCH_REINDEX_PROCS", "").strip()
    if not value:
        return max(1, min(4, os.cpu_count() or 1))
    if not value.isdigit() or not 1 <= int(value) <= 16:
        raise ConfigError(f"SEARCH_REINDEX_PROCS must be a number from 1 to 16, not '{value}'.")
    return int(value)


def load_config(instance_path: Path) -> dict:
    instance_path.mkdir(parents=True, exist_ok=True)
    index_dir = os.environ.get("SEARCH_INDEX_DIR", "").strip() or str(instance_path / "search-index")
    config = {
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "SECRET_KEY": _secret_key(instance_path),
        "SEARCH_INDEX_DIR": index_dir,
        # Search work is applied right after each commit in-process by default; with several
        # gunicorn workers set SEARCH_SYNC_INLINE=0 and run `flask search sync` as the one writer.
        "SEARCH_SYNC_INLINE": os.environ.get("SEARCH_SYNC_INLINE", "1") not in ("0", "false", "no"),
        "SEARCH_REINDEX_PROCS": _reindex_procs(),
        "BABEL_DEFAULT_LOCALE": "zh_Hans",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent.parent / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "0") in ("1", "true", "yes"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session; expiry is handled kindly
        "SHARED_DATA_DIR": os.environ.get("SHARED_DATA_DIR", ""),
        "PER_PAGE": 20,
    }
    config.update(_mail_settings())
    return config
