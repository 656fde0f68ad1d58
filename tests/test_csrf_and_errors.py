"""An expired session never loses what was typed; error pages never leak a stack trace."""
from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import User, VerificationCode


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def test_expired_session_keeps_the_text_and_refills_the_form(client):
    typed = {"login": "13900000000", "display_name": "赵六", "password": "secret-pass-1", "confirm": "secret-pass-1",
             "csrf_token": "stale-token-from-yesterday"}
    response = client.post("/account/register", data=typed, headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Your session expired" in page and "赵六" in page
    assert "secret-pass-1" not in page  # passwords are never echoed or parked
    assert db.session.query(User).count() == 0
    form = client.get("/account/register").get_data(as_text=True)
    assert 'value="赵六"' in form and 'value="13900000000"' in form
    again = client.get("/account/register").get_data(as_text=True)
    assert 'value="赵六"' not in again  # handed back once


def test_a_valid_token_registers(client):
    import re

    page = client.get("/account/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/account/register", data={
        "login": "13900000001", "display_name": "钱七", "password": "secret-pass-1", "confirm": "secret-pass-1",
        "csrf_token": token})
    assert response.status_code == 302  # on to the code sent to the phone (tests/test_accounts.py)
    assert response.headers["Location"].startswith("/account/register/confirm")
    assert db.session.query(VerificationCode).count() == 1


def test_unexpected_errors_show_a_translated_500_page(app, client):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    boom.access_policy = None
    response = client.get("/boom-for-test", headers={"Accept-Language": "en"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page and "secret internals" not in page
