"""Input no person types, answered plainly: not found, ignored or explained; never a server error."""
from __future__ import annotations

import io
import pytest
from icalendar import Calendar

from portal.extensions import db
from portal.models import DeadlinePolicy, Role, Status

EN = {"Accept-Language": "en"}


@pytest.fixture
def published(factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.REPLIED, lead_department=housing)
    return suggestion


@pytest.mark.parametrize("raw_id", [
    "9223372036854775808",  # past SQLite's 64-bit integers
    "2147483648",           # past PostgreSQL's INTEGER columns
    "99999999999",
    "-1",
    "0",
    "²",                    # str.isdigit() says yes, int() says no
    "%D9%A3",               # ARABIC-INDIC DIGIT THREE: int() would read 3
    "１",                    # fullwidth one
])
def test_ids_the_database_cannot_store_are_not_found(client, published, raw_id):
    assert client.get(f"/suggestions/{raw_id}").status_code == 404
    assert client.get(f"/hearings/{raw_id}/hearing.ics").status_code == 404


def test_the_largest_storable_id_is_an_ordinary_not_found_and_real_ids_still_work(client, published):
    assert client.get("/suggestions/2147483647").status_code == 404
    page = client.get(f"/suggestions/{published.id}")
    assert page.status_code == 200 and published.title in page.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/suggestions/?district=1e20",
    "/suggestions/?district=99999999999999999999&category=-3&department=²&call=2147483648",
    "/suggestions/?page=9999999999999999999",
    "/suggestions/?page=²",
    "/suggestions/outcomes?page=-1",
    "/hearings/?page=9999999999999999999",
    "/hearings/?department=99999999999999999999&from=0001-01-01&to=99999-01-01",
    "/search?q=%E7%A7%9F%E6%88%BF&page=%C2%B2",
    "/search?q=(%22unbalanced&page=99999999999999999999",
])
def test_unreadable_numbers_in_the_query_are_ignored(client, published, url):
    response = client.get(url)
    assert response.status_code == 200, url


def test_a_list_filter_with_an_impossible_district_shows_the_list(client, published):
    page = client.get("/suggestions/?district=99999999999999999999", headers=EN).get_data(as_text=True)
    assert published.title in page


def test_open_data_refuses_a_year_it_cannot_read(client, published):
    assert client.get("/opendata/suggestions.jsonl?year=%C2%B2").status_code == 400
    assert client.get("/opendata/suggestions.jsonl?year=99999999999999999999").status_code == 400


def test_a_nul_byte_in_the_address_is_a_bad_request(client, published):
    assert client.get("/suggestions/track?number=QZ%00").status_code == 400
    assert client.get("/search?q=%00").status_code == 400


def test_holidays_admin_shows_the_latest_year_for_an_impossible_one(client, auth, factory):
    auth.login(factory.user(Role.ADMIN))
    client.post("/admin/holidays", data={"day": "2031-10-01", "name": "国庆节"})
    for year in ("99999", "-5", "1", "²"):
        response = client.get(f"/admin/holidays?year={year}")
        assert response.status_code == 200
        assert "国庆节" in response.get_data(as_text=True)


def test_a_holiday_far_outside_the_calendar_is_refused_with_a_message(client, auth, factory):
    auth.login(factory.user(Role.ADMIN))
    response = client.post("/admin/holidays", data={"day": "0001-01-01", "name": "公元元年"}, headers=EN)
    assert response.status_code == 200
    assert "Enter a date between 2000 and 2100." in response.get_data(as_text=True)
    assert "公元元年" in response.get_data(as_text=True)  # what was typed stays


def test_a_number_too_large_for_any_column_is_refused_with_a_message(client, auth, factory):
    auth.login(factory.user(Role.ADMIN))
    policy = DeadlinePolicy(code="default", name="标准时限", is_default=True)
    db.session.add(policy)
    db.session.commit()
    form = {"name": "标准时限", "accept_days": "15", "dispute_working_days": "5", "reply_days": "60",
            "extension_max_days": "30", "rating_days": "30", "review_request_days": "30",
            "review_answer_days": "9223372036854775808", "support_threshold": "1" + "0" * 40,
            "widely_supported_reply_days": "30"}
    response = client.post(f"/admin/policies/{policy.id}", data=form, headers=EN)
    assert response.status_code == 200
    assert response.get_data(as_text=True).count("Enter a smaller number.") == 2


def test_a_file_where_text_is_expected_is_refused_and_the_typed_text_stays(client, factory):
    response = client.post("/account/register", headers=EN, content_type="multipart/form-data", data={
        "login": (io.BytesIO(b"13700000001\n"), "hostname"),
        "display_name": "张三丰", "password": "long-enough-1", "confirm": "long-enough-1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Files cannot be sent here; please type the text instead." in text
    assert 'value="张三丰"' in text
    assert "Account created" not in text


def test_a_file_in_the_login_form_is_refused_in_chinese(client, factory):
    factory.resident(login="13700000001")
    response = client.post("/account/login", content_type="multipart/form-data", data={
        "login": (io.BytesIO(b"13700000001"), "hostname"), "password": "x"})
    assert response.status_code == 200
    assert "此处不能上传文件，请直接输入文字。" in response.get_data(as_text=True)


def test_a_json_body_is_not_read_into_the_form(client, factory):
    response = client.post("/account/login", json={"login": [["13700000001"]], "password": {"x": 1}})
    assert response.status_code == 200


def test_invisible_control_characters_are_dropped_from_typed_text(client, auth, factory):
    auth.login(factory.user(Role.ADMIN))
    client.post("/admin/holidays", data={"day": "2032-05-01", "name": "劳动\x00节\x1b"})
    page = client.get("/admin/holidays?year=2032").get_data(as_text=True)
    assert "劳动节" in page


def test_a_themed_call_opening_in_year_one_is_refused(client, auth, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    auth.login(factory.department_staff(housing))
    response = client.post("/department/calls/new", headers=EN, data={
        "title": "青年人才安居专项征集", "description": "征集建议。",
        "opens_at": "0001-01-01T00:00", "closes_at": "9999-12-31T23:59"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert text.count("Enter a date between 2000 and 2100.") == 2
    assert "青年人才安居专项征集" in text


def test_a_hearing_subject_with_line_breaks_keeps_the_calendar_file_valid(client, factory, app):
    from portal.extensions import db

    housing = factory.department("住房和城乡建设局", slug="housing")
    suggestion = factory.suggestion(factory.resident(), status=Status.DISPATCHED, lead_department=housing)
    hearing = factory.hearing(suggestion, authority=factory.user(Role.HEARING_AUTHORITY))
    hearing.subject = "关于短期租房的听证\r\nBEGIN:VEVENT;第二行, 结束"
    db.session.commit()

    response = client.get(f"/hearings/{hearing.id}/hearing.ics")
    assert response.status_code == 200
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))  # folded (octets)
    calendar = Calendar.from_ical(response.data)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "关于短期租房的听证\nBEGIN:VEVENT;第二行, 结束"
    assert response.data.split(b"\r\n").count(b"BEGIN:VEVENT") == 1
    feed = Calendar.from_ical(client.get("/hearings/calendar.ics").data)
    assert [str(e["SUMMARY"]) for e in feed.walk("VEVENT")] == ["关于短期租房的听证\nBEGIN:VEVENT;第二行, 结束"]



@pytest.mark.parametrize("url", [
    # The seeded fuzz run that found this: superscript digits pass str.isdigit() but not int().
    "/office/?channel=-1&district=%C2%B9%C2%B2%C2%B3&district=-2147483649&from=a%20AND%20%28b",
    "/office/?category=%D9%A3&district=99999999999999999999",
    "/office/digest?department=%C2%B2",
    "/office/digest?department=99999999999999999999",
])
def test_staff_pages_ignore_numbers_they_cannot_read(client, auth, factory, published, url):
    auth.login(factory.user(Role.OFFICE_STAFF))
    response = client.get(url)
    assert response.status_code == 200, url


@pytest.mark.parametrize("reference", ["²", "%D9%A3", "99999999999999999999"])
def test_a_duplicate_reference_that_is_no_number_is_not_found_with_a_message(client, auth, factory, reference):
    auth.login(factory.user(Role.OFFICE_STAFF))
    suggestion = factory.suggestion(factory.resident(), status=Status.SUBMITTED)
    response = client.post(f"/office/suggestions/{suggestion.id}/duplicate",
                           data={"target": reference}, headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "No suggestion has this tracking number." in body
    assert reference in body  # what was typed stays in the form
