"""The PostgreSQL search backend: documents change in the transaction that changes the suggestion.

Runs when the test database is PostgreSQL (the search tests in test_search_portal.py also run on
this backend there); the configuration check for SQLite is in test_config.py.
"""
from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import IndexOutbox, Status, Suggestion, search_documents

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="the PostgreSQL search backend needs the PostgreSQL test database",
)
EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config(app_config):
    app_config["SEARCH_BACKEND"] = "postgres"
    app_config["SEARCH_SYNC_INLINE"] = False  # nothing runs after the commit: what is found was written in it
    return app_config


def titles(client, query: str) -> list[str]:
    html = client.get("/search", query_string={"q": query}, headers=EN).get_data(as_text=True)
    return [re.sub(r"</?mark>", "", t) for t in
            re.findall(r'<li class="search-hit">\s*<h3><a href="[^"]*">(.*?)</a>', html, re.S)]


def outbox_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(IndexOutbox))


def test_a_commit_carries_its_search_document_with_it(client, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    assert titles(client, "食堂") == ["建议增设社区食堂"]  # no sync ran
    assert outbox_rows() == 0
    suggestion.title = "建议增设老年食堂"
    db.session.commit()
    assert titles(client, "老年食堂") == ["建议增设老年食堂"]
    suggestion.title = "不会保存的标题"
    db.session.flush()
    db.session.rollback()
    assert titles(client, "保存") == [] and titles(client, "老年食堂") == ["建议增设老年食堂"]


def test_a_failed_index_write_keeps_the_change_and_leaves_it_to_the_sync(client, factory, runner):
    with db.engine.begin() as connection:  # every write to the documents table now fails
        connection.execute(text("ALTER TABLE search_documents ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"))
    try:
        suggestion = factory.suggestion(status=Status.ACCEPTED, title="建议延长图书馆开放时间")
        assert db.session.get(Suggestion, suggestion.id).title == "建议延长图书馆开放时间"  # committed
        assert titles(client, "图书馆") == [] and outbox_rows() > 0
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE search_documents DROP CONSTRAINT refuse_all"))
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert titles(client, "图书馆") == ["建议延长图书馆开放时间"] and outbox_rows() == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_reindex_rewrites_every_document_and_drops_what_is_no_longer_public(client, factory, runner):
    kept = factory.suggestion(status=Status.ACCEPTED, title="公园增设健身器材")
    with db.engine.begin() as connection:  # documents nobody should see, written behind the portal's back
        connection.execute(search_documents.delete().where(search_documents.c.doc_id == f"suggestion:{kept.id}"))
        connection.execute(text("INSERT INTO search_documents (doc_id, kind, stored, words) "
                                "VALUES ('suggestion:999999', 'suggestion', '{}', '''幽灵''')"))
    assert runner.invoke(args=["search", "verify"]).exit_code == 1
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "reindexed 1 documents" in result.output, result.output
    assert titles(client, "健身器材") == ["公园增设健身器材"] and titles(client, "幽灵") == []
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def _indexed(suggestion) -> tuple[int, str, dict]:
    row = db.session.execute(select(search_documents.c.support_count, search_documents.c.fingerprint,
                                    search_documents.c.stored)
                             .where(search_documents.c.doc_id == f"suggestion:{suggestion.id}")).one()
    return row.support_count, row.fingerprint, row.stored


def sorted_by_support(client, query: str) -> list[str]:
    html = client.get("/search", query_string={"q": query, "sort": "supported"}, headers=EN).get_data(as_text=True)
    return [re.sub(r"</?mark>", "", t) for t in
            re.findall(r'<li class="search-hit">\s*<h3><a href="[^"]*">(.*?)</a>', html, re.S)]


def test_supports_leave_the_count_to_the_sync_which_sets_it_and_the_index_still_verifies(client, auth, factory,
                                                                                         runner):
    canteen = factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    market = factory.suggestion(status=Status.ACCEPTED, title="建议改造社区菜市场")
    words_before = db.session.scalar(select(search_documents.c.words)
                                     .where(search_documents.c.doc_id == f"suggestion:{canteen.id}"))
    for n in range(2):
        auth.logout()
        auth.login(factory.resident(name=f"居民{n}", login=f"1391234000{n}"))
        assert client.post(f"/suggestions/{canteen.id}/support").status_code == 302
    db.session.rollback()  # see what the requests committed
    assert _indexed(canteen)[0] == 0 and outbox_rows() == 2  # no index work in the supporters' requests

    with db.engine.begin() as connection:  # the sync may set counts, but must not tokenize again
        connection.execute(text("CREATE FUNCTION refuse_new_words() RETURNS trigger LANGUAGE plpgsql AS "
                                "$$ BEGIN RAISE EXCEPTION 'words rewritten'; END $$"))
        connection.execute(text("CREATE TRIGGER refuse_new_words BEFORE UPDATE OF words ON search_documents "
                                "FOR EACH ROW EXECUTE FUNCTION refuse_new_words()"))
    try:
        result = runner.invoke(args=["search", "sync"])
        assert result.exit_code == 0, result.output
    finally:
        db.session.rollback()  # its open transaction would hold the table's lock the DROP waits for
        with db.engine.begin() as connection:
            connection.execute(text("DROP TRIGGER refuse_new_words ON search_documents"))
            connection.execute(text("DROP FUNCTION refuse_new_words()"))
    count, fingerprint, stored = _indexed(canteen)
    assert count == 2 and fingerprint.endswith(":2")
    assert stored["support_count"] == 2 and stored["fingerprint"] == fingerprint
    assert db.session.scalar(select(search_documents.c.words)
                             .where(search_documents.c.doc_id == f"suggestion:{canteen.id}")) == words_before
    assert sorted_by_support(client, "社区")[0] == "建议增设社区食堂"
    assert outbox_rows() == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0

    db.session.execute(search_documents.delete().where(search_documents.c.doc_id == f"suggestion:{market.id}"))
    db.session.commit()  # a document lost: the sync after the next support writes it in full
    assert client.post(f"/suggestions/{market.id}/support").status_code == 302
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    db.session.rollback()
    assert _indexed(market)[0] == 1 and titles(client, "菜市场") == ["建议改造社区菜市场"]
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_a_support_counts_while_the_index_refuses_every_write(client, auth, factory, runner):
    canteen = factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    auth.login(factory.resident(name="居民", login="13912340001"))
    with db.engine.begin() as connection:  # every write to the documents table now fails
        connection.execute(text("ALTER TABLE search_documents ADD CONSTRAINT refuse_all CHECK (false) NOT VALID"))
    try:
        assert client.post(f"/suggestions/{canteen.id}/support").status_code == 302
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE search_documents DROP CONSTRAINT refuse_all"))
    db.session.rollback()  # see what the request committed
    assert db.session.get(Suggestion, canteen.id).support_count == 1
    assert _indexed(canteen)[0] == 0 and outbox_rows() == 1
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert _indexed(canteen)[0] == 1 and outbox_rows() == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
