"""A resident whose session expired while writing a suggestion loses nothing (CSRF enabled here)."""
from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import Suggestion


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def _token(client, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def _log_in(client, user, password, next_url="/suggestions/new"):
    url = f"/account/login?next={next_url}"
    response = client.post(url, data={"login": user.login_name, "password": password,
                                      "csrf_token": _token(client, url)})
    assert response.status_code == 302
    return response


def test_the_suggestion_comes_back_after_logging_in_again(client, factory):
    resident = factory.resident()
    category = factory.category()
    typed = {"title": "老旧小区加装电梯的补贴办法", "problem": "我家住在六楼，老人上下楼很困难，联系电话13912345678。",
             "measures": "建议提高加装电梯的财政补贴比例。", "category": str(category.id), "district": "0",
             "themed_call": "0", "csrf_token": "token-from-a-session-that-has-expired"}
    # The session has expired: no login any more, and a stale token.
    response = client.post("/suggestions/new", data=typed, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Your session expired" in page and "老旧小区加装电梯" in page
    assert db.session.query(Suggestion).count() == 0

    # Opening the form again asks to log in first, then hands the text back once.
    assert "/account/login" in client.get("/suggestions/new").headers["Location"]
    assert _log_in(client, resident, factory.PASSWORD).headers["Location"] == "/suggestions/new"
    form = client.get("/suggestions/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="老旧小区加装电梯的补贴办法"' in form
    assert "我家住在六楼，老人上下楼很困难" in form and "建议提高加装电梯的财政补贴比例。" in form
    assert "has been filled in" in form

    # …and sending it now works.
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    sent = client.post("/suggestions/new", data={**typed, "csrf_token": token})
    assert sent.status_code == 302
    assert db.session.query(Suggestion).one().title == "老旧小区加装电梯的补贴办法"
    again = client.get("/suggestions/new").get_data(as_text=True)
    assert "老旧小区加装电梯" not in again


def test_one_click_actions_refuse_a_missing_token_without_losing_anything(client, factory):
    from portal.models import Status

    suggestion = factory.suggestion(status=Status.ACCEPTED)
    resident = factory.resident()
    _log_in(client, resident, factory.PASSWORD, next_url="/")
    response = client.post(f"/suggestions/{suggestion.id}/support", data={})
    assert response.status_code == 400
    db.session.refresh(suggestion)
    assert suggestion.support_count == 0
    page = client.get(f"/suggestions/{suggestion.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(f"/suggestions/{suggestion.id}/support", data={"csrf_token": token})
    db.session.refresh(suggestion)
    assert suggestion.support_count == 1
