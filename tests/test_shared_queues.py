"""Clerks share one rendering of their queue (portal.caching.shared_fragment): each change shows
at once for every clerk, each department sees only its own workbench, and each clerk's forms
carry their own CSRF token."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Notification, Role, Status
from tests.conftest import Auth

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _logged_in(app, factory, user):
    client = app.test_client()
    token = TOKEN.search(client.get("/account/login").get_data(as_text=True)).group(1)
    response = client.post("/account/login", data={"login": user.login_name, "password": factory.PASSWORD,
                                                   "csrf_token": token})
    assert response.status_code == 302
    return client


def test_a_new_suggestion_shows_at_once_in_every_clerks_queue(app, factory):
    office = factory.department("人民建议征集办公室", slug="office", is_office=True)
    first = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="刘洋", department=office))
    second = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="王芳", department=office))
    factory.suggestion(title="府山街道路灯不亮")
    assert "府山街道路灯不亮" in first.get("/office/").get_data(as_text=True)

    factory.suggestion(title="荷花街道菜市场占道")
    for clerk in (second, first):
        page = clerk.get("/office/").get_data(as_text=True)
        assert "府山街道路灯不亮" in page and "荷花街道菜市场占道" in page


def test_each_clerk_gets_a_bulk_form_with_their_own_token(app, factory):
    office = factory.department("人民建议征集办公室", slug="office", is_office=True)
    first = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="刘洋", department=office))
    second = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="王芳", department=office))
    suggestion = factory.suggestion(title="府山街道路灯不亮")
    first_page = first.get("/office/").get_data(as_text=True)
    second_page = second.get("/office/").get_data(as_text=True)
    first_tokens, second_tokens = set(TOKEN.findall(first_page)), set(TOKEN.findall(second_page))
    assert first_tokens and second_tokens and not first_tokens & second_tokens

    (token,) = second_tokens
    confirm = second.post("/office/bulk", data={"csrf_token": token, "ids": [str(suggestion.id)], "action": "accept"})
    assert confirm.status_code == 200 and "府山街道路灯不亮" in confirm.get_data(as_text=True)
    (foreign,) = first_tokens
    assert second.post("/office/bulk", data={"csrf_token": foreign, "ids": [str(suggestion.id)],
                                             "action": "accept"}).status_code == 400


def test_each_department_sees_only_its_own_workbench(app, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    transport = factory.department("交通运输局", slug="transport")
    factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="青年短期租房")
    factory.suggestion(status=Status.DISPATCHED, lead_department=transport, title="增设公交线路")
    housing_page = _logged_in(app, factory, factory.department_staff(housing)).get("/department/")
    transport_page = _logged_in(app, factory, factory.department_staff(transport)).get("/department/")
    assert "青年短期租房" in housing_page.get_data(as_text=True)
    assert "增设公交线路" not in housing_page.get_data(as_text=True)
    assert "增设公交线路" in transport_page.get_data(as_text=True)
    assert "青年短期租房" not in transport_page.get_data(as_text=True)
    assert "交通运输局" in transport_page.get_data(as_text=True)  # the heading is the reader's department


def test_a_reply_moves_the_suggestion_on_every_workbench_of_the_department(app, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    colleague = _logged_in(app, factory, factory.department_staff(housing))
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="青年短期租房")
    assert "青年短期租房" in colleague.get("/department/?status=dispatched").get_data(as_text=True)

    suggestion.status = Status.REPLIED.value  # any committed change retires the shared copy
    db.session.commit()
    assert "青年短期租房" not in colleague.get("/department/?status=dispatched").get_data(as_text=True)


# --- a reader's kept page (portal.caching.reader_page) ---------------------------------------------

UNREAD_BADGE = re.compile(r'class="badge">(\d+)<span class="visually-hidden">')


def test_each_clerk_reads_their_own_name_on_the_kept_queue(app, factory):
    office = factory.department("人民建议征集办公室", slug="office", is_office=True)
    first = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="刘洋", department=office))
    second = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="王芳", department=office))
    factory.suggestion(title="府山街道路灯不亮")
    for _ in range(2):  # rendered, then kept
        first_page = first.get("/office/").get_data(as_text=True)
        second_page = second.get("/office/").get_data(as_text=True)
        assert "刘洋" in first_page and "王芳" not in first_page
        assert "王芳" in second_page and "刘洋" not in second_page


def test_a_new_notification_shows_in_the_header_of_a_kept_queue(app, factory):
    office = factory.department("人民建议征集办公室", slug="office", is_office=True)
    user = factory.user(Role.OFFICE_STAFF, name="刘洋", department=office)
    clerk = _logged_in(app, factory, user)
    suggestion = factory.suggestion(title="府山街道路灯不亮")
    assert UNREAD_BADGE.search(clerk.get("/office/").get_data(as_text=True)) is None
    assert UNREAD_BADGE.search(clerk.get("/office/").get_data(as_text=True)) is None

    db.session.add(Notification(user_id=user.id, suggestion_id=suggestion.id, kind="accepted"))
    db.session.commit()
    assert UNREAD_BADGE.search(clerk.get("/office/").get_data(as_text=True)).group(1) == "1"

    token = TOKEN.search(clerk.get("/suggestions/notifications").get_data(as_text=True)).group(1)
    assert clerk.post("/suggestions/notifications/read", data={"csrf_token": token}).status_code == 302
    assert UNREAD_BADGE.search(clerk.get("/office/").get_data(as_text=True)) is None


def test_a_saved_view_and_a_message_show_on_a_kept_queue(app, factory):
    office = factory.department("人民建议征集办公室", slug="office", is_office=True)
    clerk = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="刘洋", department=office))
    colleague = _logged_in(app, factory, factory.user(Role.OFFICE_STAFF, name="王芳", department=office))
    factory.suggestion(title="府山街道路灯不亮")
    page = clerk.get("/office/").get_data(as_text=True)
    assert "热线来件" not in page
    token = TOKEN.search(page).group(1)

    # Refused (no name): nothing changes, yet the message shows on the page that was kept.
    clerk.post("/office/views", data={"csrf_token": token, "name": "", "query": "channel=hotline"})
    assert "请为视图命名。" in clerk.get("/office/").get_data(as_text=True)
    assert "请为视图命名。" not in clerk.get("/office/").get_data(as_text=True)

    clerk.post("/office/views", data={"csrf_token": token, "name": "热线来件", "query": "channel=hotline"})
    clerk.get("/office/?channel=hotline")  # the redirect's page, with the message
    assert "热线来件" in clerk.get("/office/").get_data(as_text=True)
    assert "热线来件" not in colleague.get("/office/").get_data(as_text=True)
