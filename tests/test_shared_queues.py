"""Clerks share one rendering of their queue (portal.caching.shared_fragment): each change shows
at once for every clerk, each department sees only its own workbench, and each clerk's forms
carry their own CSRF token."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Role, Status
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
