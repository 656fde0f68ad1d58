"""Open data downloads: public suggestions only, masked, published decisions only, parseable files."""
from __future__ import annotations

import csv
import io
import json

from portal.extensions import db
from tests import metrics_world
from tests.metrics_world import (
    AUTHOR_NAME, DECLINED_TITLE, PLANTED_PHONE, PUBLISHED_REPLY, UNPUBLISHED_REPLY, WAITING_TITLE,
)

EN = {"Accept-Language": "en"}


def _csv(response) -> list[dict]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "CSV must start with a byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def _leaks(text: str, world) -> list[str]:
    forbidden = [AUTHOR_NAME, PLANTED_PHONE, UNPUBLISHED_REPLY, DECLINED_TITLE, WAITING_TITLE,
                 world.author.email, world.author.login_name]
    return [f for f in forbidden if f and f in text]


def test_csv_has_public_suggestions_only_and_nothing_private(client, factory):
    world = metrics_world.build(factory)
    response = client.get("/opendata/suggestions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    text = response.get_data(as_text=True)
    assert sorted(r["tracking_number"] for r in rows) == sorted(
        world.suggestions[k].tracking_number for k in ("S1", "S2", "S3", "S4", "S5", "S8"))
    assert _leaks(text, world) == []
    by_number = {r["tracking_number"]: r for r in rows}
    s1 = by_number[world.suggestions["S1"].tracking_number]
    assert s1["author"] == "张**"
    assert "139****5678" in s1["problem"]
    assert (s1["decision"], s1["reply"], s1["conversion_types"]) == ("adopted", PUBLISHED_REPLY, "public_welfare")
    assert s1["conversion_outcomes"] == "房源 50套, 签约 13人"
    assert (s1["submitted_on"], s1["accepted_on"], s1["replied_on"], s1["lead_department"]) == (
        "2025-03-01", "2025-03-05", "2025-04-10", "住房和城乡建设局")
    s4 = by_number[world.suggestions["S4"].tracking_number]
    assert s4["replied_on"] == "2025-07-01" and s4["decision"] == s4["reply"] == s4["published_on"] == ""


def test_jsonl_parses_line_by_line_with_the_same_protections(client, factory):
    world = metrics_world.build(factory)
    response = client.get("/opendata/suggestions.jsonl")
    assert response.status_code == 200 and response.is_streamed
    lines = response.get_data(as_text=True).splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 6
    assert _leaks(response.get_data(as_text=True), world) == []
    s1 = next(r for r in records if r["tracking_number"] == world.suggestions["S1"].tracking_number)
    assert s1["conversions"][0]["outcomes"][0] == {"name": "房源", "value": "50", "unit": "套"}
    s4 = next(r for r in records if r["tracking_number"] == world.suggestions["S4"].tracking_number)
    assert s4["decision"] is None and s4["reply"] is None and s4["conversions"] == []


def test_anonymous_authors_stay_anonymous(client, factory):
    world = metrics_world.build(factory)
    world.suggestions["S2"].show_anonymous = True
    db.session.commit()
    records = [json.loads(line) for line in client.get("/opendata/suggestions.jsonl").get_data(as_text=True).splitlines()]
    s2 = next(r for r in records if r["tracking_number"] == world.suggestions["S2"].tracking_number)
    assert s2["author"] is None


def test_year_filter_by_date_of_submission(client, factory):
    world = metrics_world.build(factory)
    only_2024 = _csv(client.get("/opendata/suggestions.csv?year=2024"))
    assert [r["tracking_number"] for r in only_2024] == [world.suggestions["S8"].tracking_number]
    response = client.get("/opendata/suggestions.jsonl?year=2025")
    assert response.headers["Content-Disposition"] == 'attachment; filename="suggestions-2025.jsonl"'
    assert len(response.get_data(as_text=True).splitlines()) == 5


def test_bad_year_gets_a_clear_message(client):
    for path in ("/opendata/suggestions.csv?year=abc", "/opendata/metrics-by-department.csv?year=99999"):
        response = client.get(path, headers=EN)
        assert response.status_code == 400
        assert "The year must be a number such as 2025." in response.get_data(as_text=True)


def test_spreadsheet_formulas_in_residents_text_are_neutralised(client, factory):
    world = metrics_world.build(factory)
    world.suggestions["S3"].title = '=HYPERLINK("http://evil.example","点这里")'
    db.session.commit()
    rows = _csv(client.get("/opendata/suggestions.csv"))
    title = next(r["title"] for r in rows if r["tracking_number"] == world.suggestions["S3"].tracking_number)
    assert title.startswith("'=")


def test_metrics_by_department_csv(client, factory):
    world = metrics_world.build(factory)
    rows = _csv(client.get("/opendata/metrics-by-department.csv?year=2025"))
    by_department = {r["department_en"]: r for r in rows}
    overall = by_department["all"]
    assert (overall["timely_acceptance_numerator"], overall["timely_acceptance_denominator"],
            overall["timely_acceptance_rate"]) == ("6", "8", "0.7500")
    assert (overall["period_start"], overall["period_end"]) == ("2025-01-01", "2025-12-31")
    transport = by_department[world.transport.name_en]
    assert (transport["conversion_denominator"], transport["conversion_rate"]) == ("0", "")
    assert by_department["(no lead department)"]["timely_acceptance_numerator"] == "1"


def test_page_describes_datasets_and_licence_in_three_languages(client, factory):
    metrics_world.build(factory)
    for locale, words in (("en", "Open data"), ("zh_Hans", "开放数据"), ("zh_Hant", "開放數據")):
        client.post("/locale", data={"locale": locale, "next": "/"})
        page = client.get("/opendata/").get_data(as_text=True)
        assert f"<h1>{words}</h1>" in page and "CC BY 4.0" in page
        assert 'href="/opendata/suggestions.csv?year=2025"' in page
        assert '<th scope="row"><code>tracking_number</code></th>' in page
