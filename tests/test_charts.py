"""Charts: the SVG geometry of portal/charts.py, and the figures the metrics page's charts show."""
from __future__ import annotations

import re

import pytest

from portal.charts import BAR, HBAR, LINE, Chart, Point, nice_ceiling
from portal.extensions import db
from portal.models import Role
from tests import metrics_world
from tests.sql_counter import count_statements

EN = {"Accept-Language": "en"}


@pytest.fixture
def app_config(app_config):
    # Every request computes its charts: what is counted below is the cost of a cache miss.
    return {**app_config, "CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 3, 7, 12, 95, 101)] == [1, 0.5, 1, 5, 10, 20, 100, 200]


def test_bars_stand_on_the_axis_with_heights_in_proportion():
    chart = Chart(id="c", title="t", description="d", kind=BAR, width=440, height=240, left=40, right=0, top=20,
                  bottom=20, points=[Point("a", 10, "10"), Point("b", None, "—"), Point("c", 5, "5"),
                                     Point("d", 0, "0")])
    # Plot area x 40..440 (4 bands of 100), y 20..220 (200 high); the scale tops at 10.
    assert chart.plot == (40, 20, 440, 220)
    assert [(r.x, r.y, r.width, r.height, r.point.label) for r in chart.bars()] == [
        (55.0, 20.0, 70.0, 200.0, "a"), (255.0, 120.0, 70.0, 100.0, "c"), (355.0, 220.0, 70.0, 0.0, "d")]
    assert [(t.position, t.text) for t in chart.value_ticks()] == [
        (220.0, "0"), (170.0, "2.5"), (120.0, "5"), (70.0, "7.5"), (20.0, "10")]
    assert [t.position for t in chart.category_labels()] == [90.0, 190.0, 290.0, 390.0]


def test_a_line_skips_points_without_a_value_and_clamps_to_the_scale():
    chart = Chart(id="c", title="t", description="d", kind=LINE, maximum=1.0, width=240, height=120, left=40,
                  right=0, top=20, bottom=0,
                  points=[Point("a", 0.5, "50%"), Point("b", None, "—"), Point("c", 1.5, "150%"),
                          Point("d", 0.0, "0%")])
    assert [(x, y) for x, y, _p in chart.line()] == [(65.0, 70.0), (165.0, 20.0), (215.0, 120.0)]
    assert chart.polyline() == "65,70 165,20 215,120"


def test_horizontal_bars_grow_one_row_per_point():
    chart = Chart(id="c", title="t", description="d", kind=HBAR, maximum=1.0, width=450, right=0, top=10,
                  bottom=30, row_height=20, label_chars=5,
                  points=[Point("住房和城乡建设局", 1.0, "100%"), Point("交通局", 0.25, "25%")])
    assert chart.height == 10 + 30 + 2 * 20 and chart.plot == (150, 10, 450, 50)
    assert [(r.x, r.y, r.width, r.height) for r in chart.bars()] == [(150.0, 13.0, 300.0, 14.0),
                                                                      (150.0, 33.0, 75.0, 14.0)]
    assert [t.text for t in chart.category_labels()] == ["住房和城…", "交通局"]


def _table(page: str, chart_id: str) -> list[tuple[str, str]]:
    match = re.search(rf'<table id="{chart_id}-table">(.*?)</table>', page, re.S)
    assert match, f"no table for {chart_id}"
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td>(.*?)</td></tr>', match.group(1))
    return [(label, value) for label, value in rows]


def test_metrics_page_charts_show_the_year_of_the_known_world(client, factory):
    world = metrics_world.build(factory)
    page = client.get("/metrics/?year=2025", headers=EN).get_data(as_text=True)
    months = ["Jan 2025", "Feb 2025", "Mar 2025", "Apr 2025", "May 2025", "Jun 2025", "Jul 2025", "Aug 2025",
              "Sep 2025", "Oct 2025", "Nov 2025", "Dec 2025"]
    assert _table(page, "trend-volume") == list(zip(months, ["0", "2", "2", "0", "0", "2", "0", "0", "0", "0",
                                                             "1", "1"]))
    on_time = dict(_table(page, "trend-on_time_closure"))
    assert on_time == {**{m: "—" for m in months}, "Apr 2025": "100.00% (1 / 1)", "May 2025": "0.00% (0 / 1)",
                       "Jul 2025": "100.00% (1 / 1)", "Aug 2025": "100.00% (1 / 1)", "Dec 2025": "100.00% (1 / 1)"}
    satisfaction = dict(_table(page, "trend-satisfaction"))
    assert {m: v for m, v in satisfaction.items() if v != "—"} == {
        "Apr 2025": "100.00% (1 / 1)", "May 2025": "0.00% (0 / 1)", "Aug 2025": "100.00% (1 / 1)"}
    conversion = dict(_table(page, "trend-conversion"))
    assert {m: v for m, v in conversion.items() if v != "—"} == {
        "Apr 2025": "100.00% (1 / 1)", "May 2025": "0.00% (0 / 1)"}
    assert dict(_table(page, "compare-department-on-time"))[world.housing.name_en] == "66.67% (2 / 3)"
    assert dict(_table(page, "compare-department-volume"))[world.transport.name_en] == "2"
    # Each chart is an image named by its title and description, drawn without JavaScript.
    svg = re.search(r'<svg class="chart-svg chart-bar" role="img" aria-labelledby="trend-volume-title '
                    r'trend-volume-desc".*?</svg>', page, re.S).group(0)
    assert '<title id="trend-volume-title">Suggestions received per month: All departments, Jan 2025 to Dec 2025' \
           in svg and svg.count("<rect ") == 12  # a month with nothing has a bar of height 0
    assert "<script" not in svg


@pytest.mark.parametrize("language, month, heading", [
    ("zh_Hans", "2025年4月", "12个月的趋势"), ("zh_Hant", "2025年4月", "12個月的趨勢"),
    ("en", "Apr 2025", "Trends over 12 months")])
def test_charts_in_three_languages(client, factory, language, month, heading):
    metrics_world.build(factory)
    page = client.get("/metrics/?year=2025", headers={"Accept-Language": language.replace("_", "-")})
    text = page.get_data(as_text=True)
    assert heading in text and (month, "100.00% (1 / 1)") in _table(text, "trend-satisfaction")


def test_chart_queries_do_not_grow_with_the_data(client, auth, factory):
    world = metrics_world.build(factory)
    office = factory.user(Role.OFFICE_STAFF, name="刘洋")
    auth.login(office)
    pages = ("/metrics/?year=2025", "/metrics/", f"/metrics/?year=2025&department={world.housing.id}",
             "/office/digest?date=2025-12-31", f"/office/digest?date=2025-12-31&department={world.housing.id}")

    def statements() -> list[int]:
        counts = []
        for url in pages:
            client.get(url)  # warm up
            with count_statements(db.engine) as sent:
                assert client.get(url).status_code == 200
            counts.append(len(sent))
        return counts

    small = statements()
    for month in range(1, 13):  # suggestions in every month, replied and rated ones among them
        for n in range(2):
            suggestion = factory.reviewed_suggestion(lead_department=world.housing if n else world.transport,
                                                     title=f"第{month}月的建议{n}")
            suggestion.submitted_at = metrics_world.on(f"2025-{month:02d}-0{n + 1}")
    db.session.commit()
    assert statements() == small
    assert max(small[:3]) <= 40 and max(small[3:]) <= 60, small  # ceilings written down: 31 and 46 today


def test_the_city_digest_shows_trends_and_departments_compared(client, auth, factory):
    world = metrics_world.build(factory)
    auth.login(world.office)
    page = client.get("/office/digest?date=2025-12-31", headers=EN).get_data(as_text=True)
    assert _table(page, "digest-trend-volume")[-3:] == [("Oct 2025", "0"), ("Nov 2025", "1"), ("Dec 2025", "1")]
    assert ("Apr 2025", "100.00% (1 / 1)") in _table(page, "digest-trend-satisfaction")
    # Departments compared over the 12 months up to the day: 2025-01-01 to 2025-12-31.
    assert dict(_table(page, "digest-compare-department-on-time"))[world.housing.name_en] == "66.67% (2 / 3)"
    housing = client.get(f"/office/digest?date=2025-12-31&department={world.housing.id}", headers=EN)
    text = housing.get_data(as_text=True)
    assert "digest-trend-volume-table" in text and "digest-compare-department-on-time" not in text
