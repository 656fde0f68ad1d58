"""The public metrics page: figures with their definitions, filters, empty periods, three languages."""
from __future__ import annotations

import re

import pytest

from tests import metrics_world

EN = {"Accept-Language": "en"}


def _row(page: str, code: str) -> str:
    match = re.search(rf'<tr id="metric-{code}">(.*?)</tr>', page, re.S)
    assert match, f"no row for {code}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def _department_row(page: str, name: str) -> str:
    match = re.search(rf'<tr>\s*<th scope="row">\s*<a [^>]*>{re.escape(name)}</a>.*?</tr>', page, re.S)
    assert match, f"no row for {name}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0))).strip()


def test_overall_figures_show_rate_numerator_denominator_and_definition(client, factory):
    metrics_world.build(factory)
    page = client.get("/metrics/?year=2025", headers=EN).get_data(as_text=True)
    assert _row(page, "timely_acceptance") == (
        "Timely-acceptance rate 75.00% 6 Suggestions accepted or declined by the acceptance deadline "
        "8 Suggestions accepted or declined in the period")
    assert _row(page, "adoption").startswith("Adoption rate 50.00% 2 ")
    assert "Decisions the department has not yet published are left out" in page
    assert "<caption>Metrics: All departments, the year 2025</caption>" in page


def test_per_department_table_and_department_filter(client, factory):
    world = metrics_world.build(factory)
    page = client.get("/metrics/?year=2025", headers=EN).get_data(as_text=True)
    transport = _department_row(page, world.transport.name_en)
    # Timely acceptance, on-time closure, first-time, adoption, conversion (nothing adopted), satisfaction, online.
    assert transport.split(" (")[0].endswith("100.00%")
    assert "0.00% (0 / 1) — (0 / 0) 100.00% (1 / 1) 50.00% (1 / 2)" in transport
    assert 'scope="col">Department</th>' in page
    page = client.get(f"/metrics/?year=2025&department={world.housing.id}", headers=EN).get_data(as_text=True)
    assert _row(page, "on_time_closure").startswith("On-time closure rate 66.67% 2 ")
    assert world.housing.name_en in page and "By lead department" not in page


def test_a_period_without_records_shows_dashes(client, factory):
    metrics_world.build(factory)
    page = client.get("/metrics/?start=2030-01-01&end=2030-12-31", headers=EN).get_data(as_text=True)
    assert _row(page, "satisfaction").startswith("Satisfaction rate — 0 ")
    empty = client.get("/metrics/", headers=EN)
    assert empty.status_code == 200


def test_dates_take_precedence_over_the_year(client, factory):
    metrics_world.build(factory)
    page = client.get("/metrics/?year=2024&start=2025-01-01&end=2025-03-31", headers=EN).get_data(as_text=True)
    assert _row(page, "timely_acceptance").startswith("Timely-acceptance rate 60.00% 3 ")


@pytest.mark.parametrize("query, message", [
    ("start=2025-02-30", "Enter a date as year-month-day, for example 2025-06-30."),
    ("start=2025-06-01&end=2025-01-01", "The end date must not be before the start date."),
    ("department=99999", "Choose a department from the list."),
    ("year=1066", "Choose a year from the list."),
    ("start=0001-01-01", "Enter a date between 1990 and 2100."),
])
def test_bad_filters_get_a_message_and_keep_the_input(client, query, message):
    response = client.get(f"/metrics/?{query}", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'id="metric-' not in page  # no figures for a period we could not read
    if query.startswith("start=2025-02-30"):
        assert 'value="2025-02-30"' in page


@pytest.mark.parametrize("locale, heading, metric, rate", [
    ("zh_Hans", "办理成效指标", "建议转化率", "50.00%"),
    ("zh_Hant", "辦理成效指標", "建議轉化率", "50.00%"),
    ("en", "Performance metrics", "Conversion rate", "50.00%"),
])
def test_page_in_three_languages(client, factory, locale, heading, metric, rate):
    metrics_world.build(factory)
    client.post("/locale", data={"locale": locale, "next": "/"})
    page = client.get("/metrics/?year=2025").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in page
    assert _row(page, "conversion").startswith(f"{metric} {rate} 1 ")


def test_linked_from_the_home_page_and_footer(client):
    page = client.get("/", headers=EN).get_data(as_text=True)
    assert page.count('href="/metrics/"') == 2
    assert 'href="/opendata/"' in page
