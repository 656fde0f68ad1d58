"""Wrong settings fail at start with a message that says what to fix; defaults need nothing."""
from __future__ import annotations

import pytest

from portal import ConfigError, create_app


def test_defaults_use_the_instance_folder(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "SECRET_KEY", "SEARCH_INDEX_DIR", "MAIL_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'portal.sqlite3'}"
    assert app.config["SEARCH_INDEX_DIR"] == str(tmp_path / "instance" / "search-index")
    key_file = tmp_path / "instance" / "secret_key"
    assert app.config["SECRET_KEY"] == key_file.read_text() and len(app.config["SECRET_KEY"]) == 64
    assert key_file.stat().st_mode & 0o077 == 0
    assert create_app().config["SECRET_KEY"] == app.config["SECRET_KEY"]  # kept, not regenerated


@pytest.mark.parametrize("name, value, message", [
    ("DATABASE_URL", "mysql://root@localhost/x", "DATABASE_URL"),
    ("SECRET_KEY", "short", "SECRET_KEY"),
    ("MAIL_BACKEND", "pigeon", "MAIL_BACKEND"),
    ("MAIL_PORT", "twenty-five", "MAIL_PORT"),
    ("SEARCH_REINDEX_PROCS", "all", "SEARCH_REINDEX_PROCS"),
    ("SEARCH_REINDEX_PROCS", "0", "SEARCH_REINDEX_PROCS"),
    ("SEARCH_BACKEND", "elasticsearch", "SEARCH_BACKEND must be one of whoosh, postgres"),
])
def test_wrong_settings_fail_clearly(monkeypatch, tmp_path, name, value, message):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_smtp_needs_a_server(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MAIL_BACKEND", "smtp")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    with pytest.raises(ConfigError, match="MAIL_SERVER"):
        create_app()


def test_postgres_urls_get_the_psycopg_driver(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/portal")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/portal"


def test_postgres_search_needs_a_postgres_database(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SEARCH_BACKEND", "postgres")
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the default: SQLite in the instance folder
    with pytest.raises(ConfigError, match="SEARCH_BACKEND=postgres .* needs a PostgreSQL DATABASE_URL"):
        create_app()
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db.example/portal")
    assert create_app().config["SEARCH_BACKEND"] == "postgres"
