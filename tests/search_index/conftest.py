"""Fixtures: real Whoosh indexes in tmp_path, built from small synthetic documents.

Helpers are fixtures (not importable functions) because test directories here are not
packages, and a tests/search_index package would shadow the real search_index package.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from search_index import SearchIndex
from search_index.pgstore import PostgresSearchIndex, define_table
from tests.conftest import _normalise

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT / ".." / "shared" / "data"

CATEGORY_TO_DEPARTMENT = {
    "城乡建设": "housing",
    "环境保护": "ecology",
    "交通运输": "transport",
    "教育文体": "education",
    "劳动和社会保障": "hr-social-security",
    "商贸旅游": "commerce",
    "卫生计生": "health",
}


def _suggestion(object_id: int, title: str, body: str = "", **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doc_id": f"suggestion:{object_id}",
        "kind": "suggestion",
        "object_id": object_id,
        "url_path": f"/suggestions/{object_id}",
        "title": title,
        "body": body,
        "status": "published",
        "published_at": datetime(2024, 1, 1 + object_id % 28, 12, 0),
        "support_count": 0,
        "year": 2024,
        "fingerprint": f"v1-{object_id}",
    }
    doc.update(extra)
    return doc


def _hearing(object_id: int, title: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "doc_id": f"hearing:{object_id}",
        "kind": "hearing",
        "object_id": object_id,
        "url_path": f"/hearings/{object_id}",
        "title": title,
        "status": "concluded",
        "published_at": datetime(2024, 3, 1),
        "event_at": datetime(2024, 3, 10, 9, 30),
        "year": "2024",
    }
    doc.update(extra)
    return doc


@pytest.fixture
def suggestion() -> Any:
    """Factory: suggestion(7, "title", "body", status=...) → a portal document dict."""
    return _suggestion


@pytest.fixture
def hearing() -> Any:
    """Factory: hearing(3, "title", place=..., conclusion=...) → a portal document dict."""
    return _hearing


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL", "").strip()
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return None


# Modules that set EVERY_BACKEND = True run each test on Whoosh and, when the test database
# is PostgreSQL, again on PostgreSQL full-text search: both backends answer the same way.
BACKENDS = ["whoosh"] + (["postgres"] if _postgres_url() else [])


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "index" in metafunc.fixturenames and getattr(metafunc.module, "EVERY_BACKEND", False):
        metafunc.parametrize("index", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_engine(database_url: str) -> Iterator[Any]:
    from sqlalchemy import create_engine

    # The worker's own database (tests/conftest.py), so parallel workers do not share the table.
    engine = create_engine(_postgres_url() and _normalise(database_url) or "postgresql+psycopg://unset")
    yield engine
    engine.dispose()


@pytest.fixture
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    if getattr(request, "param", "whoosh") == "postgres":
        from sqlalchemy import MetaData, text

        engine = request.getfixturevalue("postgres_engine")
        metadata = MetaData()
        table = define_table(metadata, "search_index_test_documents")
        metadata.create_all(engine)  # again after the portal's tests rebuilt the schema
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table.name}"))
        yield PostgresSearchIndex(engine, table)
        # Not left behind: the portal's migration test compares the whole database with its models.
        metadata.drop_all(engine)
        return
    ix = SearchIndex(tmp_path / "search")
    yield ix
    ix.close()


@pytest.fixture
def category_to_department() -> dict[str, str]:
    return dict(CATEGORY_TO_DEPARTMENT)


@pytest.fixture
def shared_messages() -> list[dict[str, Any]]:
    path = SHARED_DATA / "messages.jsonl"
    if not path.exists():
        pytest.skip("shared data not available")
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
