"""Accounts a resident can trust: registration confirmed by a code, log-in that reveals nothing,
a password policy, reset by code, sessions that end everywhere, and the cookies' attributes."""
from __future__ import annotations

import re
import statistics
import time

import pytest

from portal.extensions import db
from portal.models import User, VerificationCode

EN = {"Accept-Language": "en"}


def codes_sent(caplog, target: str) -> list[str]:
    """The one-time codes the log sender printed for `target`, oldest first."""
    return re.findall(rf"code message to {re.escape(target)}: \D*?(\d{{6}})\D", caplog.text)


def without_csrf(page: str) -> str:
    return re.sub(r'value="[A-Za-z0-9_.-]{40,}"', "", page)


def register(client, login="138 0013 8000", password="long-enough-1", name="张伟", **extra):
    return client.post("/account/register", data={
        "login": login, "display_name": name, "password": password, "confirm": password, **extra}, headers=EN)


@pytest.fixture(autouse=True)
def _log_codes(caplog):
    caplog.set_level("INFO", logger="portal.code_delivery")


def test_register_with_phone_confirm_the_code_then_log_out_and_in(client, auth, caplog):
    assert client.get("/account/register").status_code == 200
    response = register(client, anonymous="y")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/register/confirm")
    assert db.session.query(User).count() == 0  # no account before the code is confirmed
    [code] = codes_sent(caplog, "13800138000")
    row = db.session.query(VerificationCode).one()
    assert code not in row.code_hash and code not in row.payload_json  # only a keyed hash is kept
    page = client.get("/account/register/confirm", headers=EN).get_data(as_text=True)
    assert "six-digit code" in page
    response = client.post("/account/register/confirm", data={"code": code})
    assert response.status_code == 302
    user = db.session.query(User).one()
    assert user.phone == "13800138000" and user.prefers_anonymous
    assert user.password_hash.startswith("scrypt:")
    assert "张伟" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "张伟" not in client.get("/").get_data(as_text=True)
    auth.login("13800138000", "long-enough-1")
    assert "张伟" in client.get("/account/profile").get_data(as_text=True)
    # The code was used once; it does not make a second account.
    again = client.post("/account/register/confirm", data={"code": code}, headers=EN).get_data(as_text=True)
    assert "no code waiting" in again


def test_a_code_allows_five_tries_and_then_stops_working(client, caplog):
    register(client, login="wang@example.cn")
    [code] = codes_sent(caplog, "wang@example.cn")
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = client.post("/account/register/confirm", data={"code": wrong}, headers=EN).get_data(as_text=True)
        assert f"This code is not right. {left} more tries." in page
    page = client.post("/account/register/confirm", data={"code": wrong}, headers=EN).get_data(as_text=True)
    assert "Too many wrong codes" in page
    page = client.post("/account/register/confirm", data={"code": code}, headers=EN).get_data(as_text=True)
    assert "Too many wrong codes" in page
    assert db.session.query(User).count() == 0
    # A new code works again; the old one does not.
    client.post("/account/code/resend", data={"purpose": "register"})
    new_code = codes_sent(caplog, "wang@example.cn")[-1]
    assert client.post("/account/register/confirm", data={"code": new_code}).status_code == 302
    assert db.session.query(User).one().email == "wang@example.cn"


def test_an_expired_code_is_refused(client, caplog):
    register(client, login="late@example.cn")
    [code] = codes_sent(caplog, "late@example.cn")
    row = db.session.query(VerificationCode).one()
    row.expires_at = row.created_at
    db.session.commit()
    page = client.post("/account/register/confirm", data={"code": code}, headers=EN).get_data(as_text=True)
    assert "This code has expired" in page
    assert db.session.query(User).count() == 0


def test_registering_a_taken_identity_answers_as_for_a_new_one_and_tells_the_owner(client, factory, caplog):
    factory.resident(login="taken@example.cn")
    fresh = register(client, login="fresh@example.cn", name="王芳")
    other = client.application.test_client()
    taken = register(other, login="taken@example.cn", name="王芳")
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert codes_sent(caplog, "taken@example.cn") == []
    assert re.search(r"code message to taken@example.cn: Someone tried to create an account", caplog.text)
    page = other.get("/account/register/confirm", headers=EN).get_data(as_text=True)
    assert without_csrf(page) == without_csrf(client.get("/account/register/confirm", headers=EN).get_data(as_text=True))
    assert "already" not in page
    for guess in ("000000", "123456"):
        assert "This code is not right" in other.post("/account/register/confirm", data={"code": guess},
                                                      headers=EN).get_data(as_text=True)
    assert db.session.query(User).filter_by(email="taken@example.cn").one().display_name == "李明"


@pytest.mark.parametrize("password", ["12345678", "password1", "woaini1314", "1qaz2wsx3edc", "13800138000", "zhangwei1990"])
def test_common_and_personal_passwords_are_refused(client, password, caplog):
    page = register(client, password=password, name="zhangwei").get_data(as_text=True)
    assert "too common or too easy to guess" in page
    assert codes_sent(caplog, "13800138000") == []
    assert 'value="zhangwei"' in page  # what was typed stays


def test_short_password_and_mismatch_and_bad_login(client):
    page = register(client, password="Xq9!").get_data(as_text=True)
    assert "at least 8 characters" in page
    page = client.post("/account/register", data={
        "login": "not-a-phone", "display_name": "王芳", "password": "long-enough-1", "confirm": "different-1"},
        headers=EN).get_data(as_text=True)
    assert "The two passwords differ." in page
    page = register(client, login="not-a-phone").get_data(as_text=True)
    assert "Enter a mobile phone number" in page
    assert db.session.query(VerificationCode).count() == 0


def test_login_answers_alike_for_unknown_accounts_and_wrong_passwords(client, factory):
    user = factory.resident(login="known@example.cn")

    def attempt(login):
        # CPU time of this thread (the test client runs the request in it), not the wall clock:
        # other processes on a loaded CI machine stretch wall time, never this thread's CPU time.
        started = time.thread_time()
        page = client.post("/account/login", data={"login": login, "password": "wrong-password"},
                           headers=EN).get_data(as_text=True)
        return time.thread_time() - started, page

    known = [attempt(user.login_name) for _ in range(3)]
    unknown = [attempt(f"nobody{i}@example.cn") for i in range(3)]
    pages = {re.sub(r"nobody\d@example.cn|known@example.cn", "X", without_csrf(page)) for _, page in known + unknown}
    assert len(pages) == 1 and "is not right" in pages.pop()
    # An unknown name still costs a password hash (scrypt, tens of milliseconds): without it the
    # answer would come back many times faster and tell that no such account exists.
    assert statistics.median(t for t, _ in unknown) > 0.5 * statistics.median(t for t, _ in known)


def test_login_is_throttled_after_five_failures(client, factory):
    user = factory.resident(login="victim@example.cn")
    for _ in range(5):
        page = client.post("/account/login", data={"login": "victim@example.cn", "password": "wrong-password"},
                           headers=EN).get_data(as_text=True)
        assert "is not right" in page
    page = client.post("/account/login", data={"login": "victim@example.cn", "password": factory.PASSWORD},
                       headers=EN).get_data(as_text=True)
    assert "Too many failed attempts" in page
    assert user.login_name not in client.get("/account/profile").get_data(as_text=True)


def test_inactive_account_cannot_log_in(client, factory):
    user = factory.resident()
    user.active = False
    db.session.commit()
    page = client.post("/account/login", data={"login": user.login_name, "password": factory.PASSWORD},
                       headers=EN).get_data(as_text=True)
    assert "deactivated" in page


def _logged_in_client(app, user, password, remember=False):
    client = app.test_client()
    data = {"login": user.login_name, "password": password}
    if remember:
        data["remember"] = "y"
    assert client.post("/account/login", data=data).status_code == 302
    return client


def _signed_in(client) -> bool:
    return client.get("/account/profile").status_code == 200


def _remember_cookie(client) -> str:
    return client.get_cookie("remember_token").value


def _client_with_only(app, remember_token: str):
    client = app.test_client()
    client.set_cookie("remember_token", remember_token)
    return client


def test_logging_out_ends_the_other_sessions_and_remember_me_cookies(app, factory):
    user = factory.resident()
    laptop = _logged_in_client(app, user, factory.PASSWORD, remember=True)
    token = _remember_cookie(laptop)
    assert _signed_in(_client_with_only(app, token))  # the cookie alone logs in, as a browser restart would
    phone = _logged_in_client(app, user, factory.PASSWORD)
    phone.post("/account/logout")
    assert not _signed_in(phone)
    assert not _signed_in(laptop)
    assert not _signed_in(_client_with_only(app, token))


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client, auth, factory):
    user = factory.resident()
    other = _logged_in_client(app, user, factory.PASSWORD, remember=True)
    token = _remember_cookie(other)
    auth.login(user)
    page = client.post("/account/password", data={"current_password": "wrong", "new_password": "new-password-1",
                                                   "confirm": "new-password-1"}, headers=EN).get_data(as_text=True)
    assert "current password is not right" in page
    page = client.post("/account/password", data={"current_password": factory.PASSWORD,
                                                   "new_password": "password123", "confirm": "password123"},
                       headers=EN).get_data(as_text=True)
    assert "too common" in page
    assert _signed_in(other)
    response = client.post("/account/password", data={"current_password": factory.PASSWORD,
                                                       "new_password": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(other) and not _signed_in(_client_with_only(app, token))
    auth.logout()
    auth.login(user, "new-password-1")


def test_password_reset_by_code_ends_every_session(app, client, auth, factory, caplog):
    user = factory.resident(login="forgot@example.cn")
    elsewhere = _logged_in_client(app, user, factory.PASSWORD, remember=True)
    assert 'href="/account/reset"' in client.get("/account/login").get_data(as_text=True)
    response = client.post("/account/reset", data={"login": "Forgot@example.cn"})
    assert response.headers["Location"] == "/account/reset/confirm"
    [code] = codes_sent(caplog, "forgot@example.cn")
    page = client.post("/account/reset/confirm", data={"code": code, "new_password": "qwerty123",
                                                       "confirm": "qwerty123"}, headers=EN).get_data(as_text=True)
    assert "too common" in page
    response = client.post("/account/reset/confirm", data={"code": code, "new_password": "a-fresh-start-7",
                                                           "confirm": "a-fresh-start-7"})
    assert response.headers["Location"] == "/account/login"
    assert not _signed_in(elsewhere)
    auth.login(user, "a-fresh-start-7")
    with pytest.raises(AssertionError):
        _logged_in_client(app, user, factory.PASSWORD)


def test_reset_for_an_unknown_identity_looks_the_same_and_sends_nothing(client, factory, caplog):
    factory.resident(login="known@example.cn")
    known = client.post("/account/reset", data={"login": "known@example.cn"})
    other = client.application.test_client()
    unknown = other.post("/account/reset", data={"login": "nobody@example.cn"})
    assert known.headers["Location"] == unknown.headers["Location"]
    assert codes_sent(caplog, "nobody@example.cn") == [] and "nobody@example.cn" not in caplog.text
    page = other.post("/account/reset/confirm", data={"code": "123456", "new_password": "a-fresh-start-7",
                                                      "confirm": "a-fresh-start-7"}, headers=EN).get_data(as_text=True)
    assert "This code is not right" in page


@pytest.fixture
def production_app(app_config, monkeypatch):
    """The cookie settings as a deployment gets them: from the environment's defaults."""
    from portal import create_app
    from portal.config import load_config

    monkeypatch.delenv("COOKIE_SECURE", raising=False)
    config = dict(app_config)
    production = load_config(__import__("pathlib").Path(app_config["SEARCH_INDEX_DIR"]).parent / "instance")
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
                 "REMEMBER_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "REMEMBER_COOKIE_SAMESITE"):
        config.pop(name, None)
        config[name] = production[name]
    return create_app(config)


def test_session_and_remember_cookies_are_httponly_lax_and_secure_in_production(production_app, factory):
    user = factory.resident()
    client = production_app.test_client()
    response = client.post("/account/login", data={"login": user.login_name, "password": factory.PASSWORD,
                                                   "remember": "y"}, base_url="https://portal.example")
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[name].split(";")[1:]}
        assert "httponly" in attributes and "secure" in attributes, cookies[name]
        assert attributes["samesite"] == "SameSite=Lax", cookies[name]


def test_cookie_secure_can_be_turned_off_for_plain_http_development(monkeypatch, tmp_path):
    from portal.config import load_config

    monkeypatch.setenv("COOKIE_SECURE", "0")
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is False and config["REMEMBER_COOKIE_SECURE"] is False


def test_profile_saves_anonymity_notifications_and_language(client, auth, factory):
    user = factory.resident(name="李明")
    auth.login(user)
    client.post("/account/profile", data={"display_name": "李小明", "anonymous": "y", "locale": "en"})
    db.session.refresh(user)
    assert (user.display_name, user.prefers_anonymous, user.notifications_enabled, user.locale) == \
        ("李小明", True, False, "en")
    assert "Your profile" in client.get("/account/profile").get_data(as_text=True)


def test_login_redirects_only_within_the_site(client, factory):
    user = factory.resident()
    response = client.post("/account/login?next=https://evil.example/", data={
        "login": user.login_name, "password": factory.PASSWORD})
    assert response.headers["Location"] == "/"
    client.post("/account/logout")
    response = client.post("/account/login?next=/account/profile", data={
        "login": user.login_name, "password": factory.PASSWORD})
    assert response.headers["Location"] == "/account/profile"


def test_the_account_pages_are_translated(client):
    for path in ("/account/register", "/account/register/confirm", "/account/reset", "/account/reset/confirm"):
        page = client.get(path, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
        assert "验证码" in page or "密码" in page, path
