"""The metrics page with real figures (wide per-department table) and the open-data page pass axe."""
from __future__ import annotations

from tests import metrics_world
from tests.browser.test_accessibility import _violations


def test_metrics_and_open_data_pages_with_figures_have_no_axe_violations(factory, live_server, page):
    world = metrics_world.build(factory)
    problems = {}
    for path in ("/metrics/?year=2025", f"/metrics/?year=2025&department={world.housing.id}",
                 "/metrics/?start=2025-02-30", "/opendata/"):
        page.goto(live_server + path)
        found = _violations(page)
        if found:
            problems[path] = found
    assert problems == {}


def test_period_filter_works_from_the_keyboard(factory, live_server, page):
    metrics_world.build(factory)
    page.goto(live_server + "/metrics/")
    page.get_by_label("年份").select_option("2025")
    page.get_by_role("button", name="显示", exact=True).press("Enter")
    page.wait_for_url("**/metrics/?year=2025*")
    assert page.locator("#metric-timely_acceptance td.rate").inner_text() == "75.00%"
