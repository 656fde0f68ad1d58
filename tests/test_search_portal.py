"""Search in the portal: what a visitor finds, what never gets in, and that the index follows the
database (outbox, inline sync, reindex, verify). Real Whoosh in the test's tmp index directory and,
when the test database is PostgreSQL, every test again on the PostgreSQL backend (except those
marked whoosh_only: they are about the index directory and its single writer)."""
from __future__ import annotations

import os
import re
import shutil
import threading
from decimal import Decimal
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import (
    Conversion, ConversionOutcome, IndexOutbox, Reply, Role, Status, Suggestion, SuggestionEvent, Support,
    search_documents,
)
from portal.services import workflow
from portal.services.search_sync import get_index
from search_index.analysis import ChineseTokenizer

EN = {"Accept-Language": "en"}
ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
whoosh_only = pytest.mark.whoosh_only


def pytest_generate_tests(metafunc):
    if "app_config" in metafunc.fixturenames:
        both = ON_POSTGRES and metafunc.definition.get_closest_marker("whoosh_only") is None
        metafunc.parametrize("search_backend", ["whoosh", "postgres"] if both else ["whoosh"])


@pytest.fixture
def app_config(app_config, search_backend):
    app_config["SEARCH_BACKEND"] = search_backend
    return app_config


def search_page(client, query: str = "", **params) -> str:
    response = client.get("/search", query_string={"q": query, **params}, headers=EN)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def result_titles(html: str) -> list[str]:
    """Titles of the hits, in page order, without highlighting."""
    return [re.sub(r"</?mark>", "", t) for t in re.findall(r'<li class="search-hit">\s*<h3><a href="[^"]*">(.*?)</a>', html, re.S)]


def reply_and_publish(factory, suggestion: Suggestion, body: str = "经研究，采纳该建议。", decision: str = "adopted",
                      publish: bool = True) -> None:
    """The department replies (through the state machine) and, optionally, publishes."""
    staff = factory.user(Role.DEPARTMENT_STAFF, department=suggestion.lead_department)
    db.session.add(Reply(suggestion=suggestion, kind="reply", decision=decision, body=body,
                         department_id=suggestion.lead_department_id, author_id=staff.id))
    workflow.apply_transition(db.session, suggestion, "reply", staff)
    suggestion.decision = decision
    if publish:
        suggestion.published_at = suggestion.replied_at
        workflow.record_event(db.session, suggestion, "published", staff)
    db.session.commit()


def stored_index_text(app) -> str:
    if app.config["SEARCH_BACKEND"] == "postgres":
        with db.engine.connect() as connection:
            return repr(connection.execute(select(search_documents)).all())
    with get_index(app).searcher() as searcher:
        return repr(list(searcher.reader().all_stored_fields()))


# ----- finding things ---------------------------------------------------------------------------------
def test_traditional_query_finds_simplified_suggestion_with_highlight(client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="建议简化住房公积金提取流程",
                       problem="提取公积金要跑三个窗口。", measures="一网通办。")
    html = search_page(client, "公積金")
    assert result_titles(html) == ["建议简化住房公积金提取流程"]
    assert "<mark>公积金</mark>" in html


def test_phrase_query_needs_the_words_together(client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="为求职青年提供短期租房服务", problem="求职青年难找房。", measures="")
    factory.suggestion(status=Status.ACCEPTED, title="租房合同期限问题", problem="很多租房合同只签短期。", measures="")
    assert len(result_titles(search_page(client, "短期 租房"))) == 2
    assert result_titles(search_page(client, '"短期租房"')) == ["为求职青年提供短期租房服务"]


def test_title_matches_rank_above_body_matches(client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="小区绿化维护", problem="建议增加路灯照明。", measures="")
    factory.suggestion(status=Status.ACCEPTED, title="增设路灯照明", problem="夜间道路太暗。", measures="")
    assert result_titles(search_page(client, "路灯"))[0] == "增设路灯照明"


def test_facets_filter_and_sorting_work_through_the_page(client, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    transport = factory.department("交通运输局", slug="transport")
    city = factory.category("城乡建设", department=housing)
    roads = factory.category("交通运输", department=transport)
    low = factory.suggestion(status=Status.DISPATCHED, title="公交站台增加遮雨棚", category=roads, lead_department=transport)
    high = factory.suggestion(status=Status.DISPATCHED, title="老旧小区加装电梯与公交接驳", category=city,
                              lead_department=housing)
    high.support_count = 40
    low.support_count = 3
    db.session.commit()

    html = search_page(client, "公交")
    assert set(result_titles(html)) == {"公交站台增加遮雨棚", "老旧小区加装电梯与公交接驳"}
    by_support = search_page(client, "公交", sort="supported")
    assert result_titles(by_support) == ["老旧小区加装电梯与公交接驳", "公交站台增加遮雨棚"]

    # The visitor clicks the "Transport Bureau" department facet (shown in their language).
    facet_link = re.search(r'<a href="([^"]*department=transport[^"]*)">([^<]*)</a>', html)
    assert facet_link is not None and facet_link.group(2) == transport.name_en
    filtered = client.get(facet_link.group(1).replace("&amp;", "&"), headers=EN).get_data(as_text=True)
    assert result_titles(filtered) == ["公交站台增加遮雨棚"]
    assert "Remove filter" in filtered
    # The other department stays offered, to switch to it in one click.
    switch = re.search(r'<a href="([^"]*department=housing[^"]*)">', filtered).group(1).replace("&amp;", "&")
    assert "department=transport" not in switch
    assert result_titles(client.get(switch, headers=EN).get_data(as_text=True)) == ["老旧小区加装电梯与公交接驳"]
    # In Chinese the category facet says 交通运输.
    zh = client.get("/search", query_string={"q": "公交"}).get_data(as_text=True)
    assert re.search(r'category=[^"]*">交通运输</a>', zh)


def test_pagination_keeps_query_and_filters(client, factory):
    for n in range(23):
        factory.suggestion(status=Status.ACCEPTED, title=f"垃圾分类建议第{n}号", problem="垃圾分类。", measures="")
    first = search_page(client, "垃圾分类", sort="newest")
    assert len(result_titles(first)) == 20
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "sort=newest" in next_link and "page=2" in next_link
    second = client.get(next_link, headers=EN).get_data(as_text=True)
    assert len(result_titles(second)) == 3
    assert not set(result_titles(first)) & set(result_titles(second))


@pytest.mark.parametrize("query, message", [
    ("", "Type a word or two to search"),
    ('"unclosed (', "could not be understood"),
    ("公积金" * 100, "only its first 200 characters"),
])
def test_odd_queries_get_a_helpful_page(client, factory, query, message):
    factory.suggestion(status=Status.ACCEPTED, title="公积金")
    assert message in search_page(client, query)


def test_odd_parameters_never_fail(client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="公积金")
    for params in ({"page": "-3"}, {"page": "abc"}, {"sort": "'; drop"}, {"year": "x" * 500}, {"page": "99999"}):
        response = client.get("/search", query_string={"q": "公积金", **params})
        assert response.status_code == 200


def test_messages_are_translated(client, factory):
    html = client.get("/search", query_string={"q": '"('}).get_data(as_text=True)
    assert "搜索" in html and "could not be understood" not in html


# ----- what never gets in --------------------------------------------------------------------------------
def test_private_data_never_reaches_results_or_the_index(app, client, factory):
    author = factory.resident(name="王小明")
    factory.suggestion(author, status=Status.ACCEPTED, title="夜市噪音扰民，联系13812345678",
                       problem="我叫王小明，夜市噪音太大，电话13812345678，邮箱wang@example.cn。", measures="限时经营。")
    on_behalf = factory.suggestion(status=Status.SUBMITTED, title="夜市油烟问题", problem="油烟扰民。")
    on_behalf.author = None
    on_behalf.contact_name = "赵大海"
    on_behalf.contact_phone = "13998765432"
    on_behalf.channel = "phone"
    db.session.commit()
    office = factory.user(Role.OFFICE_STAFF)
    workflow.apply_transition(db.session, on_behalf, "accept", office)
    db.session.commit()

    html = search_page(client, "夜市")
    assert len(result_titles(html)) == 2
    similar = client.get("/search/similar", query_string={"text": "夜市噪音油烟"}).get_data(as_text=True)
    stored = stored_index_text(app)
    for secret in ("王小明", "13812345678", "wang@example.cn", "赵大海", "13998765432"):
        assert secret not in html and secret not in stored and secret not in similar
    assert "王**" in html  # the masked name the author chose to show
    assert "赵**" in html
    assert result_titles(search_page(client, "13998765432")) == []


def test_non_public_suggestions_never_appear(client, factory):
    factory.suggestion(status=Status.SUBMITTED, title="尚未受理的停车建议")
    duplicate = factory.suggestion(status=Status.ACCEPTED, title="重复的停车建议")
    assert result_titles(search_page(client, "停车")) == ["重复的停车建议"]

    workflow.apply_transition(db.session, duplicate, "mark_duplicate", factory.user(Role.OFFICE_STAFF))
    db.session.commit()
    assert result_titles(search_page(client, "停车")) == []


def test_decision_reply_and_conversion_are_searchable_only_once_published(client, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    suggestion = factory.suggestion(status=Status.DISPATCHED, title="为来衢求职青年提供短期租房", lead_department=housing)
    reply_and_publish(factory, suggestion, body="推出有礼租服务，统筹人才公寓。", publish=False)
    assert result_titles(search_page(client, "有礼租")) == []

    conversion = Conversion(suggestion=suggestion, type="public_welfare", description="有礼租青年驿站上线",
                            started_on=date(2024, 8, 1))
    db.session.add(conversion)
    suggestion.published_at = suggestion.replied_at
    db.session.commit()
    html = search_page(client, "有礼租")
    assert result_titles(html) == ["为来衢求职青年提供短期租房"]
    assert "Adopted" in html and "Public-welfare measure" in html

    # An outcome added later (only the outcome row changes) is found too.
    db.session.add(ConversionOutcome(conversion=conversion, name="房源", value=Decimal("50"), unit="套"))
    db.session.commit()
    assert result_titles(search_page(client, '"房源 50 套"')) == ["为来衢求职青年提供短期租房"]
    assert result_titles(search_page(client, "", conversion_types="public_welfare")) == ["为来衢求职青年提供短期租房"]


# ----- the index follows committed data only ------------------------------------------------------------
def test_rolled_back_change_is_never_found(app, client, factory, runner):
    suggestion = factory.suggestion(status=Status.ACCEPTED, title="路灯维修建议")
    suggestion.title = "幻影标题不应出现"
    db.session.add(Suggestion(tracking_number="PHANTOM1", title="幻影新建议", problem="幻影。", status="accepted"))
    db.session.flush()
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) > 0  # queued in the transaction …
    db.session.rollback()  # … and gone with it
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert result_titles(search_page(client, "幻影")) == []
    assert result_titles(search_page(client, "路灯")) == ["路灯维修建议"]


def test_committed_change_is_found_right_after_the_request(app, client, auth, factory):
    """An administrator renames a category's short code: its suggestions move to the new facet value."""
    category = factory.category("城乡建设")
    factory.suggestion(status=Status.ACCEPTED, title="老旧小区改造", category=category)
    auth.login(factory.user(Role.ADMIN))
    response = client.post(f"/admin/categories/{category.id}", data={
        "slug": "renewal", "name": category.name, "name_en": category.name_en, "active": "y",
        "default_department_id": "0"})
    assert response.status_code == 302
    assert result_titles(search_page(client, "小区", category="renewal")) == ["老旧小区改造"]
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0


@pytest.fixture
def sync_off(app_config):
    app_config["SEARCH_SYNC_INLINE"] = False
    return app_config


@whoosh_only
def test_without_inline_sync_the_sync_command_applies_the_outbox(sync_off, app, client, factory, runner):
    factory.suggestion(status=Status.ACCEPTED, title="建议增加公共自行车")
    assert result_titles(search_page(client, "自行车")) == []
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) > 0
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert result_titles(search_page(client, "自行车")) == ["建议增加公共自行车"]
    assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0


@whoosh_only
def test_support_rows_refresh_the_support_count(sync_off, app, client, factory, runner):
    suggestion = factory.suggestion(status=Status.ACCEPTED, title="建议延长图书馆开放时间")
    runner.invoke(args=["search", "sync"])
    db.session.query(IndexOutbox).delete()
    db.session.commit()
    db.session.add(Support(suggestion_id=suggestion.id, user_id=factory.resident().id))
    db.session.commit()
    assert db.session.scalars(select(IndexOutbox.object_id)).all() == [suggestion.id]


@whoosh_only
def test_deleted_index_directory_degrades_then_reindex_rebuilds_without_failed_searches(app, client, factory, runner):
    factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    assert result_titles(search_page(client, "食堂")) == ["建议增设社区食堂"]
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    # The page already asked is still served from the shared copy (up to 30 s); a new question
    # needs the index and says it is unavailable.
    assert result_titles(search_page(client, "食堂")) == ["建议增设社区食堂"]
    html = search_page(client, "社区食堂")
    assert "Search is temporarily unavailable" in html

    app.config["RATELIMIT_SEARCH_ADDRESS"] = "100000 per minute"  # this client searches in a tight loop
    statuses, found_after_first_rebuild = [], []
    stop, rebuilt = threading.Event(), threading.Event()

    def keep_searching():
        # A plain client: each request pushes its own app context in this thread.
        own_client = FlaskClient(app, app.response_class)
        while not stop.is_set():
            was_rebuilt = rebuilt.is_set()
            response = own_client.get("/search", query_string={"q": "食堂"}, headers=EN)
            statuses.append(response.status_code)
            if was_rebuilt:
                found_after_first_rebuild.append(result_titles(response.get_data(as_text=True)))

    thread = threading.Thread(target=keep_searching)
    thread.start()
    try:
        first = runner.invoke(args=["search", "reindex"])
        rebuilt.set()
        second = runner.invoke(args=["search", "reindex"])  # swaps generations under running searches
    finally:
        stop.set()
        thread.join()
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert statuses and set(statuses) == {200}
    assert found_after_first_rebuild
    assert all(titles == ["建议增设社区食堂"] for titles in found_after_first_rebuild)
    assert result_titles(search_page(client, "食堂")) == ["建议增设社区食堂"]


@whoosh_only
def test_missing_index_is_rebuilt_by_the_next_sync(app, client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    factory.suggestion(status=Status.ACCEPTED, title="建议增设社区图书角")  # its commit syncs inline
    assert len(result_titles(search_page(client, "社区"))) == 2


def test_verify_catches_planted_differences(app, factory, runner):
    kept = factory.suggestion(status=Status.ACCEPTED, title="公园增设健身器材")
    other = factory.suggestion(status=Status.ACCEPTED, title="公园夜间照明")
    clean = runner.invoke(args=["search", "verify"])
    assert clean.exit_code == 0 and "ok" in clean.output

    get_index(app).apply([("delete", f"suggestion:{kept.id}")])
    missing = runner.invoke(args=["search", "verify"])
    assert missing.exit_code == 1 and f"suggestion:{kept.id}" in missing.output

    runner.invoke(args=["search", "reindex"])
    # A change written behind the ORM's back queues nothing: verify sees the stale document.
    db.session.execute(update(Suggestion).where(Suggestion.id == other.id).values(title="公园夜间照明（已改）"))
    db.session.commit()
    stale = runner.invoke(args=["search", "verify"])
    assert stale.exit_code == 1 and "stale" in stale.output and f"suggestion:{other.id}" in stale.output

    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


@whoosh_only
def test_reindex_in_worker_processes_matches_the_database(app, client, factory, runner, monkeypatch):
    for n in range(120):
        factory.suggestion(status=Status.ACCEPTED, title=f"第{n}号建议：增设社区食堂" if n % 3 == 0 else f"第{n}号建议：公交线路")
    result = runner.invoke(args=["search", "reindex", "--procs", "2"])
    assert result.exit_code == 0, result.output
    assert "reindexed 120 documents" in result.output
    assert runner.invoke(args=["search", "verify"]).exit_code == 0
    assert "Results (40)" in search_page(client, "食堂")
    assert runner.invoke(args=["search", "reindex", "--procs", "0"]).exit_code == 2  # a clear usage error

    # A worker that dies mid-build (out of memory, killed) must not leave a shorter index in use.
    parent, tokenize = os.getpid(), ChineseTokenizer.__call__

    def dies_in_a_worker(self, value, **kwargs):
        if os.getpid() != parent:
            raise MemoryError("worker killed")
        return tokenize(self, value, **kwargs)

    monkeypatch.setattr(ChineseTokenizer, "__call__", dies_in_a_worker)
    failed = runner.invoke(args=["search", "reindex", "--procs", "2"])
    assert failed.exit_code == 1 and "previous index stays in use" in failed.output
    monkeypatch.undo()
    assert "Results (40)" in search_page(client, "食堂")
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


# ----- similar suggestions and routing ---------------------------------------------------------------------
def test_similar_endpoint_and_partial(app, client, factory):
    factory.suggestion(status=Status.ACCEPTED, title="小区物业乱收停车费", problem="物业公司擅自提高停车费。")
    factory.suggestion(status=Status.ACCEPTED, title="建议增加公交线路", problem="公交车太少。")
    response = client.get("/search/similar", query_string={"text": "我们小区的物业收停车费太贵了"}, headers=EN)
    results = response.get_json()["results"]
    assert [r["title"] for r in results][:1] == ["小区物业乱收停车费"]
    assert results[0]["status_label"] == "Accepted"
    assert client.get("/search/similar").get_json() == {"results": []}

    from flask import render_template_string

    from portal.services.search import similar_suggestions

    with app.test_request_context("/", headers=EN):
        html = render_template_string('{% include "search/_similar.html" %}',
                                      similar=similar_suggestions("物业停车费太贵"))
        empty = render_template_string('{% include "search/_similar.html" %}', similar=[])
        plain = render_template_string('{% include "search/_similar.html" %}')
    assert "小区物业乱收停车费" in html and 'aria-live="polite"' in html and "similar.js" in html
    assert "No similar public suggestions found." in empty
    assert "小区物业乱收停车费" not in plain and 'id="similar-suggestions"' in plain


def test_routing_hint_points_to_the_department_of_similar_suggestions(factory):
    from portal.services.search import routing_hint

    housing = factory.department("住房和城乡建设局", slug="housing")
    transport = factory.department("交通运输局", slug="transport")
    for title in ("小区物业不作为", "物业公司乱收费", "物业维修基金使用不透明"):
        factory.suggestion(status=Status.DISPATCHED, title=title, problem="物业管理混乱，业主投诉无门。",
                           lead_department=housing)
    for title in ("公交线路太少", "公交车站台缺少遮雨棚"):
        factory.suggestion(status=Status.DISPATCHED, title=title, problem="公交出行不便。", lead_department=transport)
    new = factory.suggestion(status=Status.ACCEPTED, title="物业擅自提高收费", problem="小区物业管理费上涨，业主不满。")
    hint = routing_hint(db.session, new)
    assert hint is not None and hint.department.id == housing.id
    assert 0.5 < hint.confidence <= 1.0

    # A suggestion never learns from itself: alone in the index, there is nothing to say.
    db.session.execute(update(Suggestion).where(Suggestion.id != new.id).values(status="submitted"))
    db.session.commit()
    from portal.services.search_sync import applier_session, reindex
    with applier_session() as session:
        reindex(session, get_index())
    assert routing_hint(db.session, new) is None


# ----- import and route evaluation -------------------------------------------------------------------------
ROWS = [
    '{"id": 101, "title": "A市公交线路调整建议", "body": "我叫张三，电话13812345678，希望增加公交班次。", "time": "2019/4/25 9:32:09", "category": "交通运输"}',
    '{"id": 102, "title": "小区物业管理问题", "body": "物业不作为。", "time": "2019-05-01 10:00:00", "category": "城乡建设",'
    ' "reply": "已责成物业公司整改。", "reply_time": "2019/5/10 14:56:53"}',
    '{"id": 103, "title": "希望把抗癌药纳入医保", "body": "药太贵。", "time": "2017-06-08 17:31:20", "likes": 57, "dislikes": 2}',
    '{"id": 104, "title": "未知分类", "body": "内容。", "time": "2018-01-01 08:00:00", "category": "不存在的分类"}',
]


def test_import_is_idempotent_published_and_indexed(app, client, factory, runner, tmp_path):
    from portal.services import demo

    demo.load(db.session, shared_data=None)
    db.session.commit()
    path = tmp_path / "old.jsonl"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")

    first = runner.invoke(args=["suggestions", "import", str(path)])
    assert first.exit_code == 0, first.output
    assert "created 4, skipped 0" in first.output and "不存在的分类" in first.output
    second = runner.invoke(args=["suggestions", "import", str(path)])
    assert "created 0, skipped 4" in second.output
    # Only the imported rows count: the demo itself brings suggestions (e.g. the ones its hearings are on).
    assert db.session.scalar(select(func.count()).select_from(Suggestion)
                             .where(Suggestion.channel == "import")) == 4

    replied = db.session.scalar(select(Suggestion).where(Suggestion.external_id == "102"))
    assert replied.status == "replied" and replied.published_at is not None
    assert replied.lead_department.slug == "housing" and replied.channel == "import"
    assert replied.submitted_at.isoformat().startswith("2019-05-01T02:00:00")  # 10:00 in Shanghai
    events = db.session.scalars(select(SuggestionEvent.action).where(SuggestionEvent.suggestion_id == replied.id)
                                .order_by(SuggestionEvent.id)).all()
    assert events == ["accept", "dispatch", "reply", "published"]
    liked = db.session.scalar(select(Suggestion).where(Suggestion.external_id == "103"))
    assert liked.support_count == 57 and liked.status == "accepted" and liked.category is None

    html = search_page(client, "整改")  # the published reply is searchable
    assert result_titles(html) == ["小区物业管理问题"]
    bus = search_page(client, "公交")
    assert result_titles(bus) == ["A市公交线路调整建议"] and "13812345678" not in bus and "张三" not in bus
    assert runner.invoke(args=["search", "verify"]).exit_code == 0


def test_route_eval_on_the_shared_messages(app, factory, runner, shared_data, tmp_path):
    """Import part of the real messages, evaluate on another part plus themselves (leave-one-out)."""
    from portal.services import demo

    demo.load(db.session, shared_data=None)
    db.session.commit()
    lines = (shared_data / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    learn, check = tmp_path / "learn.jsonl", tmp_path / "check.jsonl"
    learn.write_text("\n".join(lines[:150]) + "\n", encoding="utf-8")
    check.write_text("\n".join(lines[150:190] + lines[:20]) + "\n", encoding="utf-8")
    assert runner.invoke(args=["suggestions", "import", str(learn)]).exit_code == 0
    result = runner.invoke(args=["search", "route-eval", str(check)])
    assert result.exit_code == 0, result.output
    accuracy = float(re.search(r"accuracy: (\d\.\d{3})", result.output).group(1))
    assert accuracy > 0.4  # seven departments: guessing would get about 0.14
    assert "劳动和社会保障" in result.output


# ----- hearings plug in ---------------------------------------------------------------------------------------
def test_hearings_are_found_by_subject_and_by_their_published_conclusion(app, client, factory):
    from portal.models import Role
    from portal.services import hearings
    from portal.timeutil import utcnow

    suggestion = factory.suggestion(status=Status.DISPATCHED)
    authority = factory.user(Role.HEARING_AUTHORITY)
    hearing = factory.hearing(suggestion, authority=authority, observer_seats=2)
    factory.hearing(suggestion, authority=authority, is_public=False, closed_reason="涉及个人隐私")
    html = search_page(client, "青年短期租房服务的听证")
    assert result_titles(html).count("关于青年短期租房服务的听证") == 1  # the closed one is not indexed
    assert "Hearing" in html and f'href="/hearings/{hearing.id}"' in html
    assert result_titles(search_page(client, "楼层分摊")) == []
    hearing.starts_at = utcnow()  # the hearing has been held
    hearings.conclude(db.session, hearing, "同意加装电梯，费用按楼层分摊。", authority, utcnow())
    db.session.commit()
    assert result_titles(search_page(client, "楼层分摊")) == ["关于青年短期租房服务的听证"]


def test_a_hit_links_through_the_page_endpoints_not_the_path_it_was_indexed_with(app):
    from portal.blueprints.search.routes import _hit_url
    from search_index import Hit

    def hit(kind: str) -> Hit:
        return Hit(doc_id=f"{kind}:5", kind=kind, object_id=5, url_path="/moved-long-ago/5", title_html="",
                   snippet_html="")

    with app.test_request_context():
        assert _hit_url(hit("hearing")) == "/hearings/5"
        assert _hit_url(hit("suggestion")) == "/suggestions/5"
        assert _hit_url(hit("petition")) == "/moved-long-ago/5"  # a kind the portal has no page for


def test_submit_form_shows_similar_suggestions_without_javascript(client, auth, factory):
    factory.suggestion(status=Status.DISPATCHED, title="住房公积金提取手续太复杂", problem="提取公积金要跑好几趟。")
    author = factory.resident()
    category = factory.category()
    auth.login(author)
    response = client.post("/suggestions/new", data={
        "title": "公积金提取能不能简化", "problem": "提取住房公积金的材料太多。", "measures": "全程网办。",
        "category": category.id, "district": 0, "themed_call": 0, "check_similar": "1"}, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "住房公积金提取手续太复杂" in page and "support an existing suggestion" in page
    assert "公积金提取能不能简化" in page  # the draft is kept
    assert db.session.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.author_id == author.id)) == 0


def test_a_shared_search_page_gives_way_to_a_new_suggestion_at_once(client, factory):
    # Anonymous visitors share a rendered search page for up to 30 s; a change to what it would
    # show (here a newly accepted suggestion, on either backend) retires it at once.
    factory.suggestion(status=Status.ACCEPTED, title="建议增设社区食堂")
    assert result_titles(search_page(client, "食堂")) == ["建议增设社区食堂"]
    factory.suggestion(status=Status.ACCEPTED, title="老年食堂延长营业时间")
    assert sorted(result_titles(search_page(client, "食堂"))) == ["建议增设社区食堂", "老年食堂延长营业时间"]
