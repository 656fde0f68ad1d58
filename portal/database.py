"""Engine settings that keep transactions honest on SQLite and connections healthy on PostgreSQL.

SQLite through pysqlite does not begin a transaction before a SELECT, and a SAVEPOINT released
outside a transaction commits at once: a support's row could commit before its count. The
SQLAlchemy recipe ("Serializable isolation / Savepoints / Transactional DDL", pysqlite) turns
the driver's own transaction handling off and emits BEGIN from the engine's `begin` event.

Which BEGIN: a request that may write (POST and the like) takes the write lock at once
(BEGIN IMMEDIATE); a deferred transaction that read first could find, when it writes, that
another worker committed meanwhile, and SQLite would refuse it on the spot ("database is
locked") instead of waiting. Reading requests and everything outside a request begin deferred,
and WAL lets them read while one writer writes. Writers wait up to SQLITE_BUSY_SECONDS for the lock.
"""
from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_SECONDS = 30
_READING_METHODS = {"GET", "HEAD", "OPTIONS"}


# SQLALCHEMY_ENGINE_OPTIONS: each pooled connection is tested before use, so a restarted
# database or a terminated backend costs a reconnect, not a 500.
ENGINE_OPTIONS = {"pool_pre_ping": True}


def engine_options(database_uri: str, options: dict) -> dict:
    """The engine options for this database.

    On SQLite, how long a writer waits for the lock (the driver's `timeout`, SQLITE_BUSY_SECONDS
    unless the settings name another). On PostgreSQL, no JIT compilation: the metrics' grouped
    counts over 100 000 suggestions cost enough for the planner to compile them, which took
    1.4 s of a query that runs in 0.3 s -- the export of metrics by department waited 1.3 s for
    its first bytes. Nothing the portal asks runs long enough to win it back."""
    options = dict(options)
    connect_args = dict(options.get("connect_args") or {})
    if database_uri.startswith("sqlite"):
        connect_args.setdefault("timeout", SQLITE_BUSY_SECONDS)
    elif database_uri.startswith("postgresql"):
        connect_args["options"] = " ".join(filter(None, [connect_args.get("options"), "-c jit=off"]))
    if connect_args:
        options["connect_args"] = connect_args
    return options


def _writing_request() -> bool:
    return has_request_context() and request.method not in _READING_METHODS


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if not _is_pysqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None  # no implicit BEGIN/COMMIT from the driver
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing_request() else "BEGIN")


def _is_pysqlite(dbapi_connection) -> bool:
    import sqlite3

    return isinstance(dbapi_connection, sqlite3.Connection)


# SQLSTATEs that say "the database could not serve this now", not "this request is wrong":
# class 08 (connection exception), 57P01-57P03 (administrator shutdown, crash shutdown, cannot
# connect now), 53300 (too many connections), 40001/40P01 (serialization failure, deadlock).
_TRANSIENT_SQLSTATES = {"53300", "57P01", "57P02", "57P03", "40001", "40P01"}


def is_transient(error: BaseException) -> bool:
    """True when a database error means "try again in a moment" (a 503), not a bug (a 500).

    A terminated or restarted server, a pool with no free connection, a lock another writer held
    past the busy timeout. Other operational errors ("no such table") are bugs and stay 500s.
    """
    from sqlalchemy import exc

    if isinstance(error, exc.TimeoutError):  # the pool had no connection to give
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    if sqlstate.startswith("08") or sqlstate in _TRANSIENT_SQLSTATES:
        return True
    message = str(error.orig).lower()
    return isinstance(error, exc.OperationalError) and (
        "database is locked" in message                    # SQLite: busy timeout passed
        or "server closed the connection" in message       # PostgreSQL without a SQLSTATE
        or "connection is closed" in message or "consuming input failed" in message)
