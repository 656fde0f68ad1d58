"""Public lists, outcomes and suggestion pages: what they show, to whom, and what they never show."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import Dispatch, Role, Status, Suggestion, ThemedCall
from portal.services import workflow
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}


def _titles(page: str) -> list[str]:
    return re.findall(r'<h2><a href="/suggestions/\d+">([^<]+)</a></h2>', page)


def test_lists_show_only_public_suggestions_with_filters(client, factory):
    housing, transport = factory.department("住建局"), factory.department("交通局")
    cat_housing, cat_transport = factory.category("住房"), factory.category("交通")
    kecheng, qujiang = factory.district("柯城区"), factory.district("衢江区")
    factory.suggestion(title="还没受理的建议")
    open_one = factory.suggestion(status=Status.DISPATCHED, title="开放附议的租房建议", category=cat_housing,
                                  district=kecheng, lead_department=housing)
    answered = factory.replied_suggestion(title="已答复的公交建议", category=cat_transport, district=qujiang,
                                          lead_department=transport)
    accepted = factory.suggestion(status=Status.ACCEPTED, title="刚受理的路灯建议", category=cat_transport)
    accepted.widely_supported_at = utcnow()
    accepted.support_count = 120
    open_one.support_count = 5
    db.session.commit()

    everything = client.get("/suggestions/", headers=EN).get_data(as_text=True)
    assert set(_titles(everything)) == {"开放附议的租房建议", "已答复的公交建议", "刚受理的路灯建议"}
    assert "还没受理的建议" not in everything and "3 suggestions found." in everything

    def titles(**args):
        return _titles(client.get("/suggestions/", query_string=args, headers=EN).get_data(as_text=True))

    assert set(titles(group="open")) == {"开放附议的租房建议", "刚受理的路灯建议"}
    assert titles(group="answered") == ["已答复的公交建议"]
    assert set(titles(category=cat_transport.id)) == {"已答复的公交建议", "刚受理的路灯建议"}
    assert titles(district=qujiang.id) == ["已答复的公交建议"]
    assert titles(department=housing.id) == ["开放附议的租房建议"]
    assert titles(widely="1") == ["刚受理的路灯建议"]
    assert titles(sort="supported")[:2] == ["刚受理的路灯建议", "开放附议的租房建议"]
    assert titles(group="nonsense", sort="nonsense", category="x") == titles()  # bad input: no 500


def test_themed_call_filter(client, factory):
    department = factory.department()
    now = utcnow()
    call = ThemedCall(department=department, title="青年安居专项征集", description="…",
                      opens_at=now - timedelta(days=5), closes_at=now + timedelta(days=5))
    db.session.add(call)
    db.session.commit()
    in_call = factory.suggestion(status=Status.ACCEPTED, title="响应专项征集的建议")
    in_call.themed_call = call
    factory.suggestion(status=Status.ACCEPTED, title="普通建议")
    db.session.commit()
    page = client.get(f"/suggestions/?call={call.id}", headers=EN).get_data(as_text=True)
    assert _titles(page) == ["响应专项征集的建议"]


def _link(page: str, rel: str) -> str:
    return html.unescape(re.search(rf'rel="{rel}" href="([^"]+)"', page).group(1))


def test_lists_are_paginated_by_next_and_previous_links(app, client, factory):
    app.config["PER_PAGE"] = 2
    for n in range(5):
        factory.suggestion(status=Status.ACCEPTED, title=f"第{n}条建议")
    first = client.get("/suggestions/", headers=EN).get_data(as_text=True)
    assert _titles(first) == ["第4条建议", "第3条建议"] and "Page 1 of 3" in first and 'rel="prev"' not in first
    second = client.get(_link(first, "next"), headers=EN).get_data(as_text=True)
    assert _titles(second) == ["第2条建议", "第1条建议"] and "Page 2 of 3" in second
    third = client.get(_link(second, "next"), headers=EN).get_data(as_text=True)
    assert _titles(third) == ["第0条建议"] and "Page 3 of 3" in third and 'rel="next"' not in third
    back = client.get(_link(third, "prev"), headers=EN).get_data(as_text=True)
    assert _titles(back) == ["第2条建议", "第1条建议"] and "Page 2 of 3" in back
    back_to_start = client.get(_link(back, "prev"), headers=EN).get_data(as_text=True)
    assert _titles(back_to_start) == ["第4条建议", "第3条建议"] and "Page 1 of 3" in back_to_start


def test_a_page_number_without_a_cursor_or_a_damaged_cursor_shows_the_first_page(app, client, factory):
    app.config["PER_PAGE"] = 2
    for n in range(3):
        factory.suggestion(status=Status.ACCEPTED, title=f"第{n}条建议")
    for query in ("?page=99", "?after=garbage&page=2", "?before=bm90LWEtY3Vyc29y"):
        response = client.get("/suggestions/" + query, headers=EN)
        assert response.status_code == 200
        assert _titles(response.get_data(as_text=True)) == ["第2条建议", "第1条建议"]


def test_filters_survive_paging(app, client, factory):
    app.config["PER_PAGE"] = 1
    housing = factory.category("城乡建设")
    other = factory.category("教育")
    factory.suggestion(status=Status.ACCEPTED, title="住房一", category=housing)
    factory.suggestion(status=Status.ACCEPTED, title="教育一", category=other)
    factory.suggestion(status=Status.ACCEPTED, title="住房二", category=housing)
    first = client.get(f"/suggestions/?category={housing.id}", headers=EN).get_data(as_text=True)
    assert _titles(first) == ["住房二"] and "2 suggestions found." in first
    second = client.get(_link(first, "next"), headers=EN).get_data(as_text=True)
    assert _titles(second) == ["住房一"] and 'rel="next"' not in second


def test_the_published_page_shows_the_whole_closed_loop(client, factory):
    suggestion = factory.published_suggestion(decision="adopted", body="采纳。2024年8月推出有礼租服务。")
    workflow.record_event(db.session, suggestion, "dispute_dispatch_note", None, "内部讨论意见", public=False)
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Adopted" in page and "采纳。2024年8月推出有礼租服务。" in page
    assert "Public-welfare measure" in page and "推出面向来衢求职青年的有礼租短期租房服务。" in page
    assert re.search(r"<th scope=\"row\">房源</th><td>50</td><td>套</td>", page)
    assert re.search(r"<th scope=\"row\">签约</th><td>13</td><td>人</td>", page)
    assert '<progress max="100" value="100"' in page and "首批房源全部推出" in page and "有礼租服务上线" in page
    for milestone in ("Accepted", "Dispatched to the department", "Replied", "Decision and reply published",
                      "Put into practice"):
        assert f"— {milestone}</li>" in page
    assert "内部讨论意见" not in page and ">Submitted<" not in page


def test_the_answer_waits_for_publication(client, auth, factory):
    suggestion = factory.replied_suggestion(body="部门答复正文，尚未公开。")
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "部门答复正文" not in page and "Answered" in page
    for viewer, sees in ((factory.user(Role.DEPARTMENT_STAFF), False), (factory.resident(), False),
                         (factory.user(Role.OFFICE_STAFF), True), (suggestion.author, True)):
        auth.login(viewer)
        assert ("部门答复正文" in client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)) is sees
        auth.logout()
    outcomes = client.get("/suggestions/outcomes", headers=EN).get_data(as_text=True)
    assert suggestion.title not in outcomes


def test_outcomes_list_published_answers_with_filters(client, factory):
    welfare = factory.published_suggestion(title="有礼租：为求职青年找房", conversion_type="public_welfare")
    law = factory.published_suggestion(title="修改物业管理条例", conversion_type="legislation")
    no = factory.published_suggestion(title="不予采纳的建议", decision="not_adopted", conversion_type=None)
    page = client.get("/suggestions/outcomes", headers=EN).get_data(as_text=True)
    for s in (welfare, law, no):
        assert s.title in page
    assert "房源 50 套" in page and "Public-welfare measure" in page
    adopted = client.get("/suggestions/outcomes?decision=adopted", headers=EN).get_data(as_text=True)
    assert welfare.title in adopted and law.title in adopted and no.title not in adopted
    laws = client.get("/suggestions/outcomes?type=legislation", headers=EN).get_data(as_text=True)
    assert law.title in laws and welfare.title not in laws
    assert client.get("/suggestions/outcomes?decision=bogus&type=bogus").status_code == 200


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.NEEDS_INFO, Status.WITHDRAWN, Status.DECLINED])
def test_non_public_suggestions_are_hidden_from_everyone_but_author_and_staff(client, auth, factory, status):
    author = factory.resident()
    housing, other = factory.department("住建局"), factory.department("民政局")
    suggestion = factory.suggestion(author, title="尚未公开的建议")
    office = factory.user(Role.OFFICE_STAFF)
    if status == Status.NEEDS_INFO:
        workflow.apply_transition(db.session, suggestion, "request_info", office, "请补充")
    elif status == Status.WITHDRAWN:
        workflow.apply_transition(db.session, suggestion, "withdraw", author)
    elif status == Status.DECLINED:
        workflow.apply_transition(db.session, suggestion, "decline", office, "不属于征集范围")
    db.session.add(Dispatch(suggestion_id=suggestion.id, department_id=housing.id))
    db.session.commit()
    url = f"/suggestions/{suggestion.id}"
    assert client.get(url).status_code == 404
    for viewer, expected in ((factory.resident(), 404), (factory.user(Role.DEPARTMENT_STAFF, department=other), 404),
                             (factory.user(Role.ADMIN), 404), (author, 200), (office, 200),
                             (factory.user(Role.DEPARTMENT_STAFF, department=housing), 200)):
        auth.login(viewer)
        assert client.get(url).status_code == expected, viewer.role
        auth.logout()
    assert "尚未公开的建议" not in client.get("/suggestions/", headers=EN).get_data(as_text=True)


def test_anonymous_authors_stay_anonymous(client, factory):
    shy = factory.resident(name="赵敏敏")
    suggestion = factory.suggestion(shy, status=Status.ACCEPTED)
    suggestion.show_anonymous = True
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Anonymous" in page and "赵" not in page


def test_no_private_data_on_any_public_page(client, factory):
    """Real values of every kind of private data, checked on detail, lists, outcomes and tracking."""
    phone_author = factory.resident(name="张伟民", login="13812345678")
    mail_author = factory.resident(name="欧阳春花", login="ouyang.chunhua@example.cn")
    text_phone, text_mail = "13987654321", "reach.me@example.org"
    with_phone = factory.published_suggestion(
        phone_author, title="公交线路建议",
        problem=f"本人张伟民，住在柯城区，联系电话{text_phone}，邮箱{text_mail}，身份证330802199001011234。",
        measures=f"增开公交线路，有问题打{text_phone}。")
    with_mail = factory.suggestion(mail_author, status=Status.DISPATCHED, title="路灯建议")
    on_behalf = Suggestion(tracking_number="JY20240801PHONE222", title="来电登记的建议",
                           problem="来电反映小区门口积水。", measures="疏通排水管。", author=None,
                           contact_name="王秀英", contact_phone="13611112222", channel="phone",
                           submitted_at=utcnow())
    db.session.add(on_behalf)
    db.session.flush()
    office = factory.user(Role.OFFICE_STAFF)
    workflow.apply_transition(db.session, on_behalf, "accept", office)
    db.session.commit()

    pages = {
        "detail": client.get(f"/suggestions/{with_phone.id}").get_data(as_text=True),
        "detail (mail)": client.get(f"/suggestions/{with_mail.id}").get_data(as_text=True),
        "detail (on behalf)": client.get(f"/suggestions/{on_behalf.id}").get_data(as_text=True),
        "list": client.get("/suggestions/").get_data(as_text=True),
        "list by supports": client.get("/suggestions/?sort=supported").get_data(as_text=True),
        "outcomes": client.get("/suggestions/outcomes").get_data(as_text=True),
        "track": client.get(f"/suggestions/track?number={with_phone.tracking_number}").get_data(as_text=True),
        "track (on behalf)": client.get(f"/suggestions/track?number={on_behalf.tracking_number}").get_data(as_text=True),
        "home": client.get("/").get_data(as_text=True),
    }
    private = ["张伟民", "13812345678", "欧阳春花", "ouyang.chunhua@example.cn", text_phone, text_mail,
               "reach.me", "330802199001011234", "王秀英", "13611112222"]
    leaks = [(name, value) for name, page in pages.items() for value in private if value in page]
    assert leaks == []
    # What is shown instead: masked names and masked numbers.
    assert "张**" in pages["detail"] and "欧**" in pages["detail (mail)"] and "王**" in pages["detail (on behalf)"]
    assert "139****4321" in pages["detail"] and "公交线路建议" in pages["list"]


def test_each_page_has_one_main_heading(client, auth, factory):
    author = factory.resident()
    suggestion = factory.published_suggestion(author)
    urls = ["/suggestions/", "/suggestions/outcomes", "/suggestions/track",
            f"/suggestions/track?number={suggestion.tracking_number}", f"/suggestions/{suggestion.id}"]
    auth.login(author)
    urls += ["/suggestions/new", "/suggestions/mine", "/suggestions/notifications", f"/suggestions/{suggestion.id}/sent"]
    for url in urls:
        page = client.get(url).get_data(as_text=True)
        assert page.count("<h1") == 1, url
        assert '="None"' not in page, url  # no attribute printed from a missing value
