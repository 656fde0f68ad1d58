"""The database fails under a request (a terminated connection, a lock held too long): a translated
503 that says to try again, with Retry-After, the typed text shown back, and nothing saved halfway.

The faults are real: PostgreSQL's pg_terminate_backend on the request's own connection, and a
second SQLite connection that holds the write lock. Never a 500; the next request works.
"""
from __future__ import annotations

import sqlite3

import pytest
from flask import request
from flask_login import current_user
from sqlalchemy import create_engine, select, text

from portal.extensions import db
from portal.models import Suggestion
from tests.conftest import _test_config

EN = {"Accept-Language": "en"}
TITLE = "建议在老城区增设夜间公交线路便于下班职工回家"


def _form(factory) -> dict:
    return {"title": TITLE, "problem": "晚上九点后老城区没有公交，职工只能打车回家，费用很高。",
            "measures": "开通两条夜间线路，末班车延至二十三点。", "category": str(factory.category().id),
            "district": "0", "themed_call": "0"}


@pytest.fixture
def app_config(database_url, tmp_path):
    config = _test_config(database_url, tmp_path)
    if database_url.startswith("sqlite"):
        # A writer gives up on a held lock after half a second instead of thirty.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, "connect_args": {"timeout": 0.5}}
    return config


@pytest.fixture
def postgres_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_terminate_backend needs PostgreSQL (TEST_DATABASE_URL)")


@pytest.fixture
def sqlite_only(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the held write lock is SQLite's fault; PostgreSQL has its own test here")


@pytest.fixture
def terminate_connection_on(app, postgres_only):
    """Requests for which `paths` matches get their database connection terminated after the
    signed-in user was loaded, as an administrator or a failover would, mid-request."""
    killer = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    paths: set[str] = set()

    @app.before_request
    def terminate_own_connection():
        if request.path in paths:
            current_user.is_authenticated  # noqa: B018  (load the user on this connection first)
            pid = db.session.execute(text("select pg_backend_pid()")).scalar_one()
            with killer.connect() as connection:
                connection.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid})

    yield paths
    killer.dispose()


def test_a_terminated_connection_answers_503_with_the_typed_text(client, auth, factory, terminate_connection_on):
    auth.login(factory.resident())
    form = _form(factory)
    terminate_connection_on.add("/suggestions/new")
    response = client.post("/suggestions/new", data=form, headers=EN)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5  # (or later, when a rate-limit window ends later)
    page = response.get_data(as_text=True)
    assert "The service is briefly unavailable" in page
    assert "Your text was not sent. Copy it from below before you try again." in page
    assert TITLE in page and "末班车延至二十三点" in page
    assert db.session.scalars(select(Suggestion)).all() == []

    terminate_connection_on.clear()
    again = client.post("/suggestions/new", data=form)
    assert again.status_code == 302  # the pool reconnected; the same form now goes through
    assert [s.title for s in db.session.scalars(select(Suggestion))] == [TITLE]


def test_a_terminated_connection_in_chinese(client, auth, factory, terminate_connection_on):
    auth.login(factory.resident())
    terminate_connection_on.add("/suggestions/new")
    response = client.post("/suggestions/new", data=_form(factory))
    assert response.status_code == 503
    assert "服务暂时不可用" in response.get_data(as_text=True)


def test_the_api_answers_a_terminated_connection_with_a_503_problem(client, factory, terminate_connection_on):
    terminate_connection_on.add("/api/v1/categories")
    response = client.get("/api/v1/categories")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5  # (or later, when a rate-limit window ends later)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503
    terminate_connection_on.clear()
    assert client.get("/api/v1/categories").status_code == 200


def test_a_write_lock_held_too_long_answers_503_and_keeps_the_text(client, auth, factory, sqlite_only):
    auth.login(factory.resident())
    form = _form(factory)
    holder = sqlite3.connect(db.engine.url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, stuck
    try:
        response = client.post("/suggestions/new", data=form, headers=EN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 5  # (or later, when a rate-limit window ends later)
    page = response.get_data(as_text=True)
    assert "The service is briefly unavailable" in page
    assert TITLE in page and "末班车延至二十三点" in page
    assert client.post("/suggestions/new", data=form).status_code == 302
    assert [s.title for s in db.session.scalars(select(Suggestion))] == [TITLE]


def test_postgresql_connections_never_compile_queries_with_jit(app, postgres_only):
    # The metrics export's first bytes took 1.3 s at 100 000 suggestions, most of it JIT compilation.
    assert db.session.execute(text("SHOW jit")).scalar() == "off"
