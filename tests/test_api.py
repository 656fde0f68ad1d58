"""The read-only JSON API as a newspaper's data desk would use it: list, filter, page, conditional GET."""
from __future__ import annotations

import json

from portal.models import Status

PHONE = "13912345678"


def _json(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _published(factory, title: str, **kwargs):
    return factory.published_suggestion(title=title, **kwargs)


def test_list_shows_public_suggestions_only_with_masked_text(client, factory):
    public = factory.suggestion(status=Status.ACCEPTED, title=f"请在路口加装红绿灯，联系我{PHONE}")
    factory.suggestion(status=Status.SUBMITTED, title="尚在等待受理的建议")
    body = _json(client.get("/api/v1/suggestions"))
    assert [item["id"] for item in body["items"]] == [public.id]
    item = body["items"][0]
    assert PHONE not in json.dumps(body, ensure_ascii=False)
    assert item["title"].startswith("请在路口加装红绿灯，联系我139")
    assert item["status"] == "accepted"
    assert item["decision"] is None
    assert item["url"].endswith(f"/suggestions/{public.id}")
    assert body["next_cursor"] is None and body["next"] is None


def test_cursor_pages_through_every_suggestion_once(client, factory):
    ids = {factory.suggestion(status=Status.ACCEPTED, title=f"建议第{n}号").id for n in range(7)}
    seen, url, pages = [], "/api/v1/suggestions?limit=3", 0
    while url:
        body = _json(client.get(url))
        seen += [item["id"] for item in body["items"]]
        url = body["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    assert seen == sorted(ids, reverse=True)  # newest first


def test_sort_by_support_pages_without_repeats(client, factory):
    made = [factory.suggestion(status=Status.ACCEPTED, title=f"建议{n}") for n in range(5)]
    for suggestion, count in zip(made, (3, 9, 3, 0, 9)):
        suggestion.support_count = count
    factory.session.commit()
    first = _json(client.get("/api/v1/suggestions?sort=supported&limit=2"))
    second = _json(client.get(first["next"]))
    third = _json(client.get(second["next"]))
    counts = [i["support_count"] for page in (first, second, third) for i in page["items"]]
    assert counts == [9, 9, 3, 3, 0]
    assert third["next"] is None


def test_filters_and_published_decisions(client, factory):
    housing = factory.department()
    transport = factory.department("交通运输局", slug="transport")
    adopted = _published(factory, "有礼租短期租房", lead_department=housing)
    factory.replied_suggestion(title="尚未公开的答复", decision="not_adopted", lead_department=transport)
    body = _json(client.get("/api/v1/suggestions?decision=adopted"))
    assert [i["id"] for i in body["items"]] == [adopted.id]
    assert body["items"][0]["conversion_types"] == ["public_welfare"]
    # A decision is public only once published: filtering by it reveals nothing unpublished.
    assert _json(client.get("/api/v1/suggestions?decision=not_adopted"))["items"] == []
    by_department = _json(client.get(f"/api/v1/suggestions?department={transport.id}"))
    assert [i["title"] for i in by_department["items"]] == ["尚未公开的答复"]
    assert by_department["items"][0]["decision"] is None


def test_one_suggestion_has_reply_conversion_outcomes_and_timeline(client, factory):
    suggestion = _published(factory, "为来衢求职的青年提供短期租房服务")
    body = _json(client.get(f"/api/v1/suggestions/{suggestion.id}"))
    assert body["decision"] == "adopted"
    assert body["replies"][0]["body"] == "经研究，采纳您的建议，已推出有礼租服务。"
    outcomes = {o["name"]: (o["value"], o["unit"]) for o in body["conversions"][0]["outcomes"]}
    assert outcomes == {"房源": ("50", "套"), "咨询": ("112", "人"), "签约": ("13", "人")}
    assert [p["percent"] for p in body["conversions"][0]["progress"]] == [40, 100]
    actions = [e["action"] for e in body["timeline"]]
    assert actions[:3] == ["accept", "dispatch", "reply"] and "published" in actions
    assert body["published_at"].endswith("+00:00")  # RFC 3339, UTC


def test_unpublished_answer_stays_private(client, factory):
    suggestion = factory.replied_suggestion(body="此答复尚未公开：拟于下月实施。")
    body = _json(client.get(f"/api/v1/suggestions/{suggestion.id}"))
    assert body["replies"] == [] and body["decision"] is None
    assert "尚未公开" not in json.dumps(body, ensure_ascii=False)


def test_errors_are_problem_json(client, factory):
    hidden = factory.suggestion(status=Status.SUBMITTED)
    for url, status in ((f"/api/v1/suggestions/{hidden.id}", 404), ("/api/v1/suggestions/99999", 404),
                        ("/api/v1/suggestions/9223372036854775808", 404), ("/api/v1/nothing-here", 404),
                        ("/api/v1/suggestions?limit=1000", 400), ("/api/v1/suggestions?limit=²", 400),
                        ("/api/v1/suggestions?category=1e20", 400), ("/api/v1/suggestions?cursor=bm9wZQ", 400),
                        ("/api/v1/suggestions?submitted_from=0001-01-01", 400),
                        ("/api/v1/suggestions?sort=random", 400)):
        response = client.get(url)
        assert response.status_code == status, url
        assert response.mimetype == "application/problem+json", url
        problem = json.loads(response.get_data(as_text=True))
        assert problem["status"] == status and problem["title"], url
    post = client.post("/api/v1/suggestions")
    assert post.status_code == 405 and post.mimetype == "application/problem+json"


def test_conditional_get_and_cors(client, factory):
    factory.suggestion(status=Status.ACCEPTED)
    first = client.get("/api/v1/suggestions", headers={"Origin": "https://data.example.org"})
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    etag = first.headers["ETag"]
    again = client.get("/api/v1/suggestions", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    factory.suggestion(status=Status.ACCEPTED, title="又一条建议")
    changed = client.get("/api/v1/suggestions", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    preflight = client.options("/api/v1/suggestions", headers={
        "Origin": "https://data.example.org", "Access-Control-Request-Method": "GET"})
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_reference_data_calls_hearings_and_metrics(client, factory):
    housing = factory.department()
    factory.category("城乡建设", department=housing)
    factory.district("柯城区")
    call = factory.themed_call(housing)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing)
    hearing = factory.hearing(suggestion)
    departments = _json(client.get("/api/v1/departments"))["items"]
    assert [(d["name"], d["slug"]) for d in departments if d["id"] == housing.id] == [("住房和城乡建设局", housing.slug)]
    assert [c["name"] for c in _json(client.get("/api/v1/categories"))["items"]] == ["城乡建设"]
    assert [d["name"] for d in _json(client.get("/api/v1/districts"))["items"]] == ["柯城区"]
    assert [c["title"] for c in _json(client.get("/api/v1/calls"))["items"]] == ["青年人才安居专项征集"]
    assert _json(client.get(f"/api/v1/calls/{call.id}"))["department"]["id"] == housing.id
    listed = _json(client.get("/api/v1/hearings"))["items"]
    assert [h["id"] for h in listed] == [hearing.id]
    one = _json(client.get(f"/api/v1/hearings/{hearing.id}"))
    assert one["status"] == "scheduled" and one["url"].endswith(f"/hearings/{hearing.id}")
    assert one["suggestion_id"] == suggestion.id
    metrics = _json(client.get("/api/v1/metrics"))["metrics"]
    assert set(metrics) == {"timely_acceptance", "on_time_closure", "first_time_resolution", "adoption",
                            "conversion", "satisfaction", "online_share"}
    assert metrics["timely_acceptance"] == {"numerator": 1, "denominator": 1, "rate": 1.0}


def test_the_reference_page_lists_every_operation(client):
    page = client.get("/api/v1/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for path in ("/api/v1/suggestions", "/api/v1/suggestions/{suggestion_id}", "/api/v1/hearings/{hearing_id}",
                 "/api/v1/metrics", "/api/v1/calls"):
        assert f"GET {path}<" in text
    assert "List public suggestions" in text
    chinese = client.get("/api/v1/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "开放数据接口" in chinese
