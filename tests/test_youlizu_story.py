"""The 有礼租 story of seed 000, end to end through the web forms, as four people would live it.

A young job-seeker (李明) suggests short-term rentals for newcomers to 衢州; the office accepts and
dispatches it; the housing bureau adopts it, records what it became (有礼租: 50 rooms, 112 enquiries,
13 leases) and publishes; a visitor finds it; the author rates the answer and the matter closes.
Only the people, departments and reference lists are built with the factory; every step is a form.
"""
from __future__ import annotations

import html
import re

from portal.models import Role

EN = {"Accept-Language": "en"}
TITLE = "为来衢求职的青年提供短期租房服务"
PROBLEM = "外地青年来衢州求职，面试期间只需住几周，但房东大多只签一年的合同，短期内很难租到合适的房子。"
MEASURES = "由政府统筹闲置房源，推出面向来衢求职青年的短期租房服务，按天或按周计租，手续在线办理。"
REPLY = ("经研究，我局采纳您的建议。2024年8月1日起，市住建局联合人社局推出“有礼租”小程序，"
         "为来衢求职青年提供短期租房服务，房源统一管理、线上签约。")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def follow(client, response) -> str:
    """After a form's redirect, the page the browser lands on (with its flashed message)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return page(client.get(response.headers["Location"], headers=EN))


def login(app, user):
    client = app.test_client()
    response = client.post("/account/login", data={"login": user.login_name, "password": "correct-horse-battery"})
    assert response.status_code == 302
    return client


def section(text: str, heading: str) -> str:
    """The page from an <h2> heading to the next <h2> (or the end)."""
    start = text.index(f">{heading}</h2>")
    end = text.find("<h2", start)
    return text[start:end if end != -1 else None]


def test_youlizu_from_suggestion_to_closed_loop(app, factory):
    housing = factory.department("衢州市住房和城乡建设局", name_en="Housing Bureau")
    hr = factory.department("衢州市人力资源和社会保障局", name_en="Human Resources Bureau")
    category = factory.category("住房保障", department=housing)
    district = factory.district("柯城区")
    author = factory.resident(name="李明", login="liming@example.cn")
    supporter = factory.resident(name="王芳", login="wangfang@example.cn")
    office_staff = factory.user(Role.OFFICE_STAFF, name="受理员")
    housing_staff = factory.user(Role.DEPARTMENT_STAFF, name="承办人", department=housing)
    visitor = app.test_client()

    # 1. 李明 sends the suggestion through the submit form and gets a tracking number.
    resident = login(app, author)
    form = page(resident.get("/suggestions/new", headers={"Accept-Language": "zh-CN"}))
    assert "住房保障" in form and "柯城区" in form
    done = follow(resident, resident.post("/suggestions/new", headers=EN, data={
        "title": TITLE, "problem": PROBLEM, "measures": MEASURES,
        "category": category.id, "district": district.id, "themed_call": 0}))
    assert "Thank you, your suggestion has been sent" in done
    number = re.search(r'<strong class="tracking-number">([^<]+)</strong>', done).group(1)
    suggestion_id = int(re.search(r'href="/suggestions/(\d+)"', done).group(1))
    public_url = f"/suggestions/{suggestion_id}"

    tracked = page(visitor.get("/suggestions/track", query_string={"number": number}, headers=EN))
    assert f"Suggestion {number}" in tracked and "Submitted, awaiting acceptance" in tracked
    assert TITLE not in tracked and PROBLEM not in tracked
    assert visitor.get(public_url, headers=EN).status_code == 404

    # 2. The office accepts it from the intake queue and dispatches it: housing leads, HR co-handles.
    office = login(app, office_staff)
    queue = page(office.get("/office/", headers=EN))
    assert TITLE in queue and f"/office/suggestions/{suggestion_id}" in queue
    accepted = follow(office, office.post(f"/office/suggestions/{suggestion_id}/accept", headers=EN,
                                          data={"note": "", "confirmed": "1"}))
    assert "Accepted. The author has been told, and the suggestion is now public." in accepted
    dispatch_form = page(office.get(f"/office/suggestions/{suggestion_id}/dispatch", headers=EN))
    assert "Human Resources Bureau" in dispatch_form
    dispatched = follow(office, office.post(f"/office/suggestions/{suggestion_id}/dispatch", headers=EN, data={
        "lead_id": housing.id, "co_ids": [hr.id], "note": "请住建局牵头，人社局协办。"}))
    assert "Dispatched to Housing Bureau." in dispatched

    shown = page(visitor.get(public_url, headers=EN))
    assert TITLE in shown and PROBLEM in shown and MEASURES in shown
    assert "With the department" in shown and "Housing Bureau" in shown

    fan = login(app, supporter)
    supported = follow(fan, fan.post(f"{public_url}/support", headers=EN, data={}))
    assert "Thank you for your support." in supported
    assert re.search(r'<dd class="support-count">1</dd>', supported)
    followed = follow(fan, fan.post(f"{public_url}/follow", headers=EN, data={}))
    assert "You are following this suggestion." in followed and "Stop following" in followed

    # 3. The housing bureau replies "adopted", records the conversion and its progress, and publishes.
    bureau = login(app, housing_staff)
    assert TITLE in page(bureau.get("/department/", headers=EN))
    replied = follow(bureau, bureau.post(f"/department/suggestions/{suggestion_id}/reply", headers=EN,
                                         data={"decision": "adopted", "body": REPLY, "confirmed": "1"}))
    assert "The reply has been sent to the author." in replied
    not_yet = page(visitor.get(public_url, headers=EN))  # the public waits for the department to publish
    assert REPLY not in not_yet and "Decision:" not in not_yet

    outcomes = [("房源", "50", "套"), ("咨询", "112", "人"), ("签约", "13", "人")]
    conversion_data = {"type": "public_welfare", "description": "有礼租 小程序上线", "started_on": "2024-08-01"}
    for i, (name, value, unit) in enumerate(outcomes):
        conversion_data |= {f"outcomes-{i}-name": name, f"outcomes-{i}-value": value, f"outcomes-{i}-unit": unit}
    converted = follow(bureau, bureau.post(f"/department/suggestions/{suggestion_id}/conversions/new",
                                           headers=EN, data=conversion_data))
    assert "The conversion has been recorded." in converted
    conversion_id = int(re.search(r'/department/conversions/(\d+)/progress', converted).group(1))
    progressed = follow(bureau, bureau.post(f"/department/conversions/{conversion_id}/progress", headers=EN, data={
        "recorded_on": "2024-08-31", "percent": "100", "note": "小程序上线运行，首批房源全部投放。"}))
    assert "The progress update has been recorded." in progressed
    published = follow(bureau, bureau.post(f"/department/suggestions/{suggestion_id}/publish", headers=EN,
                                           data={"confirmed": "1"}))
    assert "The decision, reply and conversion are now public." in published

    # 4. Anyone can now read the decision, the reply and what it became, without the author's identity.
    shown = page(visitor.get(public_url, headers=EN))
    assert "Answered" in shown
    assert "<strong>Decision:</strong> Adopted" in shown and REPLY in shown
    became = section(shown, "What the suggestion became")
    assert "Public-welfare measure" in became and "有礼租 小程序上线" in became
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td><td>([^<]+)</td></tr>', became)
    assert rows == outcomes
    assert "100%" in became and "小程序上线运行，首批房源全部投放。" in became
    timeline = section(shown, "Timeline")
    for event in ("Accepted", "Dispatched to the department", "Replied"):
        assert event in timeline
    assert "李**" in shown
    assert "李明" not in shown and "liming" not in shown

    listed = page(visitor.get("/suggestions/outcomes", headers=EN))
    assert "1 published answers found." in listed
    assert f'href="{public_url}">{TITLE}</a>' in listed and "Adopted" in listed

    found = page(visitor.get("/search", query_string={"q": "有礼租"}, headers=EN))
    hits = re.findall(r'<li class="search-hit">\s*<h3><a href="([^"]*)">', found)
    assert public_url in hits
    assert "李明" not in found and "liming" not in found

    # 5. The supporter was told about the reply; the author rates it, and the suggestion closes.
    notices = page(fan.get("/suggestions/notifications", headers=EN))
    assert "The department has replied." in notices and TITLE in notices

    before = page(resident.get(public_url, headers=EN))
    assert "Rate the answer" in before
    rated = follow(resident, resident.post(f"{public_url}/rate", headers=EN,
                                           data={"level": "satisfied", "comment": "有礼租帮到了很多人，谢谢。"}))
    assert "Thank you for your rating. The suggestion is now closed." in rated
    assert "The author's rating: Satisfied" in rated and "Rate the answer" not in rated

    mine = page(resident.get("/suggestions/mine", headers=EN))
    card = mine[mine.index(number) - 400: mine.index(number) + 400]
    assert f"<dd>{number}</dd>" in card and "<dd>Closed</dd>" in card
