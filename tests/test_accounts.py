"""Register, log in (with throttling), log out, profile and password, as a resident would."""
from __future__ import annotations

from portal.extensions import db
from portal.models import User


def test_register_with_phone_then_log_out_and_in(client, auth):
    page = client.get("/account/register")
    assert page.status_code == 200
    response = client.post("/account/register", data={
        "login": "138 0013 8000", "display_name": "张伟", "password": "long-enough-1",
        "confirm": "long-enough-1", "anonymous": "y"})
    assert response.status_code == 302
    user = db.session.query(User).one()
    assert user.phone == "13800138000" and user.prefers_anonymous
    assert user.password_hash.startswith("scrypt:")
    assert "张伟" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert "张伟" not in client.get("/").get_data(as_text=True)
    auth.login("13800138000", "long-enough-1")
    assert "张伟" in client.get("/account/profile").get_data(as_text=True)


def test_register_with_email_keeps_what_was_typed_on_error(client, factory):
    factory.resident(login="taken@example.cn")
    response = client.post("/account/register", data={
        "login": "taken@example.cn", "display_name": "王芳", "password": "long-enough-1", "confirm": "long-enough-1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "该手机号或电子邮箱已注册" in page
    assert 'value="王芳"' in page and 'value="taken@example.cn"' in page


def test_register_rejects_mismatched_passwords_and_bad_login(client):
    page = client.post("/account/register", data={
        "login": "not-a-phone", "display_name": "王芳", "password": "long-enough-1", "confirm": "different-1"},
        headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The two passwords differ." in page
    page = client.post("/account/register", data={
        "login": "not-a-phone", "display_name": "王芳", "password": "long-enough-1", "confirm": "long-enough-1"},
        headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Enter a mobile phone number" in page
    assert db.session.query(User).count() == 0


def test_login_is_throttled_after_five_failures(client, factory):
    user = factory.resident(login="victim@example.cn")
    for _ in range(5):
        page = client.post("/account/login", data={"login": "victim@example.cn", "password": "wrong-password"},
                           headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "is not right" in page
    page = client.post("/account/login", data={"login": "victim@example.cn", "password": factory.PASSWORD},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Too many failed attempts" in page
    assert user.login_name not in client.get("/account/profile").get_data(as_text=True)


def test_inactive_account_cannot_log_in(client, factory):
    user = factory.resident()
    user.active = False
    db.session.commit()
    page = client.post("/account/login", data={"login": user.login_name, "password": factory.PASSWORD},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "deactivated" in page


def test_change_password(client, auth, factory):
    user = factory.resident()
    auth.login(user)
    page = client.post("/account/password", data={"current_password": "wrong", "new_password": "new-password-1",
                                                   "confirm": "new-password-1"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "current password is not right" in page
    response = client.post("/account/password", data={"current_password": factory.PASSWORD,
                                                       "new_password": "new-password-1", "confirm": "new-password-1"})
    assert response.status_code == 302
    auth.logout()
    auth.login(user, "new-password-1")


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
