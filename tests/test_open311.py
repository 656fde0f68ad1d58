"""Open311 GeoReport v2 (read): the specification's field names, formats and example queries."""
from __future__ import annotations

import json
import re
from datetime import timedelta
from xml.etree import ElementTree

from portal.models import Status
from portal.timeutil import utcnow

REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name", "service_code", "description",
                  "agency_responsible", "service_notice", "requested_datetime", "updated_datetime",
                  "expected_datetime", "address", "address_id", "zipcode", "lat", "long", "media_url"}
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d([+-]\d\d:\d\d|Z)$")
PHONE = "13912345678"


def _json(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _world(factory):
    housing = factory.department()
    category = factory.category("城乡建设", department=housing)
    district = factory.district("柯城区")
    closed = factory.published_suggestion(title="有礼租短期租房", category=category, district=district,
                                          lead_department=housing)
    open_ = factory.suggestion(status=Status.DISPATCHED, title=f"路灯不亮，电话{PHONE}", category=category,
                               lead_department=housing)
    factory.suggestion(status=Status.SUBMITTED, title="尚在等待受理的建议", category=category)
    return category, closed, open_


def test_services_list_categories(client, factory):
    category, _closed, _open = _world(factory)
    services = _json(client.get("/open311/v2/services.json"))
    assert services == [{"service_code": category.slug, "service_name": "城乡建设", "description": category.name_en,
                         "metadata": False, "type": "batch", "keywords": "", "group": ""}]
    definition = _json(client.get(f"/open311/v2/services/{category.slug}.json"))
    assert definition == {"service_code": category.slug, "attributes": []}
    missing = client.get("/open311/v2/services/no-such-service.json")
    assert missing.status_code == 404
    assert json.loads(missing.get_data(as_text=True)) == [{"code": 404, "description": "service_code not found"}]


def test_requests_follow_the_specification(client, factory):
    category, closed, open_ = _world(factory)
    requests = _json(client.get("/open311/v2/requests.json"))
    assert [r["service_request_id"] for r in requests] == [str(open_.id), str(closed.id)]
    for item in requests:
        assert set(item) == REQUEST_FIELDS
        assert W3C_DATETIME.match(item["requested_datetime"]) and W3C_DATETIME.match(item["updated_datetime"])
        assert item["service_code"] == category.slug and item["agency_responsible"] == "住房和城乡建设局"
    by_id = {r["service_request_id"]: r for r in requests}
    assert by_id[str(closed.id)]["status"] == "closed"
    assert by_id[str(closed.id)]["status_notes"] == "经研究，采纳您的建议，已推出有礼租服务。"
    assert by_id[str(closed.id)]["address"] == "柯城区"
    assert by_id[str(open_.id)]["status"] == "open" and by_id[str(open_.id)]["status_notes"] == ""
    assert PHONE not in json.dumps(requests, ensure_ascii=False)


def test_the_specifications_example_queries(client, factory):
    category, closed, open_ = _world(factory)
    ids = lambda url: [r["service_request_id"] for r in _json(client.get(url))]  # noqa: E731
    assert ids("/open311/v2/requests.json?status=open") == [str(open_.id)]
    assert ids("/open311/v2/requests.json?status=closed") == [str(closed.id)]
    assert ids(f"/open311/v2/requests.json?service_code={category.slug}&status=open") == [str(open_.id)]
    assert ids("/open311/v2/requests.json?service_code=other") == []
    assert ids(f"/open311/v2/requests.json?service_request_id={closed.id},{open_.id}") == [str(open_.id), str(closed.id)]
    start = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids(f"/open311/v2/requests.json?start_date={start}") == []
    end = (utcnow() - timedelta(days=30)).isoformat()
    assert ids("/open311/v2/requests.json?end_date=" + end.replace("+", "%2B")) == []
    one = _json(client.get(f"/open311/v2/requests/{closed.id}.json"))
    assert [r["service_request_id"] for r in one] == [str(closed.id)]
    assert client.get("/open311/v2/requests/99999.json").status_code == 404
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert client.get("/open311/v2/requests.json?status=maybe").status_code == 400


def test_xml_has_the_same_requests(client, factory):
    _category, closed, open_ = _world(factory)
    response = client.get("/open311/v2/requests.xml")
    assert response.status_code == 200 and response.mimetype == "text/xml"
    root = ElementTree.fromstring(response.get_data())
    assert root.tag == "service_requests"
    assert [r.findtext("service_request_id") for r in root.findall("request")] == [str(open_.id), str(closed.id)]
    assert {child.tag for child in root.find("request")} == REQUEST_FIELDS
    services = ElementTree.fromstring(client.get("/open311/v2/services.xml").get_data())
    assert services.tag == "services" and services.find("service").findtext("metadata") == "false"
    error = client.get("/open311/v2/requests/99999.xml")
    assert error.status_code == 404
    assert ElementTree.fromstring(error.get_data()).find("error").findtext("code") == "404"
