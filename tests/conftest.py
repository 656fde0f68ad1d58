"""Fixtures in the style of Flask's tutorial: app, client, runner, login helpers and factories.

The database is real: a SQLite file by default, PostgreSQL when TEST_DATABASE_URL is set. The
schema is built once per run by the Alembic migrations (so every run also tests them), and every
test starts from empty tables.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from portal import create_app, jobs
from portal.extensions import db
from tests.factories import Factory

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    if url:
        return _own_database(url, os.environ.get("PYTEST_XDIST_WORKER", ""))
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"  # per worker already


def _own_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker empties tables of its own: `test` becomes `test_gw0`, …"""
    if not worker:
        return url
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(_normalise(url))
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _test_config(database_url: str, tmp_path: Path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _normalise(database_url),
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "DRAFTS_DIR": str(tmp_path / "drafts"),
        "SEARCH_BACKEND": "whoosh",
        # `flask search reindex` forks its workers; some tests search from threads meanwhile,
        # which a real command-line process never does. The parallel build has its own tests.
        "SEARCH_REINDEX_PROCS": 1,
        "WTF_CSRF_ENABLED": False,
        "SEARCH_SYNC_WAIT": True,  # a commit waits for its index job, so a test reads its own writes
        "JOBS_WAIT": True,  # and for its mail and code jobs (portal.jobs), so a test reads what was sent
        "MAIL_BACKEND": "log",
        "VERIFICATION_SENDER": ("log",),
        "SERVER_NAME": None,
        # Tests and the browser's live server speak plain http (production default: Secure cookies).
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    }


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Drop whatever is there, then build the schema with the migrations."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        _drop_everything()
        upgrade()
    yield
    with app.app_context():
        db.engine.dispose()


def _drop_everything() -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.reflect()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _empty_tables() -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys = OFF"))
            for table in reversed(tables):
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if _has_sqlite_sequence(conn) else None
            conn.execute(text("PRAGMA foreign_keys = ON"))


def _has_sqlite_sequence(conn) -> bool:
    return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() is not None


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    """Override in a test module to change settings (e.g. enable CSRF)."""
    return _test_config(database_url, tmp_path)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    Tests hold an app context open for factories and queries; without this, requests would
    share it, and with it `g` (Flask-Login's current user) and the database session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        # End the test's own transaction: its objects reload what the request committed (a
        # transaction open since before the request would keep reading its older snapshot).
        db.session.rollback()
        return response


@pytest.fixture
def app(_schema, app_config):
    app = create_app(app_config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()
        jobs.finish(app)  # a background turn still holding a connection would outlive dispose()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def factory(app) -> Factory:
    return Factory(db.session)


class Auth:
    """Log in through the real form, so the session cookie is the one a browser would get."""

    def __init__(self, client):
        self.client = client

    def login(self, user_or_login, password: str = Factory.PASSWORD):
        login = user_or_login if isinstance(user_or_login, str) else user_or_login.login_name
        response = self.client.post("/account/login", data={"login": login, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def logout(self):
        return self.client.post("/account/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA
