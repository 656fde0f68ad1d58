"""Rate limits as an attacker and a resident meet them: 429 in the reader's language, nothing typed lost.

The limits are set small here so a test can reach them; the defaults are in portal/ratelimits.py.
"""
from __future__ import annotations

import re

import os
import threading
import uuid

import pytest
import redis

from portal import create_app
from portal.extensions import db
from portal.models import Status, Suggestion, Support, User, VerificationCode

EN = {"Accept-Language": "en"}
ZH_HANT = {"Accept-Language": "zh-TW"}
SMALL_LIMITS = {
    "RATELIMIT_LOGIN_ADDRESS": "12 per minute",
    "RATELIMIT_LOGIN_FAILURES": "5 per 15 minutes",
    "RATELIMIT_LOGIN_IDENTITY": "8 per hour",
    "RATELIMIT_REGISTER_ADDRESS": "3 per hour",
    "RATELIMIT_REGISTER_IDENTITY": "2 per hour",
    "RATELIMIT_SUBMIT_ACCOUNT": "2 per hour",
    "RATELIMIT_SUBMIT_ADDRESS": "3 per hour",
    "RATELIMIT_SUPPORT_ACCOUNT": "2 per hour",
    "RATELIMIT_SUPPORT_ADDRESS": "3 per hour",
    "RATELIMIT_EXPORT_ADDRESS": "2 per hour",
    "RATELIMIT_SEARCH_ADDRESS": "3 per minute",
    "RATELIMIT_API_ADDRESS": "3 per minute",
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, **SMALL_LIMITS, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client, login: str, password: str, headers=EN):
    return client.post("/account/login", data={"login": login, "password": password}, headers=headers)


# ----- the log-in lockout ------------------------------------------------------------------------------
def test_the_same_phone_typed_differently_is_one_identity_for_the_lockout(client, factory):
    resident = factory.resident(login="13700000001")
    for typed in ("13700000001", "137 0000 0001", "137.0000.0001", "137-0000-0001", "１３７" + "０" * 7 + "１"):
        page = _login(client, typed, "wrong-password").get_data(as_text=True)
        assert "is not right" in page
    response = _login(client, "137 0000 0001", factory.PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Too many failed attempts. Please wait 15 minutes" in page
    assert 'value="137 0000 0001"' in page  # what was typed stays in the form
    assert resident.display_name not in client.get("/account/profile").get_data(as_text=True)


def test_a_stranger_cannot_lock_the_administrator_out(app, factory):
    admin = factory.user(login="admin@city.gov.cn", name="管理员")
    stranger = _from(app.test_client(), "203.0.113.9")
    for _ in range(5):
        assert "is not right" in _login(stranger, "ADMIN@city.gov.cn ", "guess").get_data(as_text=True)
    assert _login(stranger, "admin@city.gov.cn", factory.PASSWORD).status_code == 429
    # From the administrator's own address the right password still works at once.
    office = _from(app.test_client(), "198.51.100.7")
    assert _login(office, "admin@city.gov.cn", factory.PASSWORD).status_code == 302
    assert "管理员" in office.get("/account/profile").get_data(as_text=True)


def test_many_addresses_together_lock_the_identity_everywhere(app, factory):
    factory.resident(login="target@example.cn")
    for n in range(8):  # RATELIMIT_LOGIN_IDENTITY: 8 per hour, from any addresses
        client = _from(app.test_client(), f"203.0.113.{n + 1}")
        assert "is not right" in _login(client, "target@example.cn", "guess").get_data(as_text=True)
    fresh = _from(app.test_client(), "198.51.100.50")
    page = _login(fresh, "target@example.cn", "correct-horse-battery").get_data(as_text=True)
    assert "Too many failed attempts" in page


def test_a_successful_login_clears_the_failures_from_that_address(client, factory):
    user = factory.resident(login="forgetful@example.cn")
    for _ in range(4):
        _login(client, "forgetful@example.cn", "wrong")
    assert _login(client, "forgetful@example.cn", factory.PASSWORD).status_code == 302
    client.post("/account/logout")
    for _ in range(3):  # without the clearing, the first of these would be the sixth failure
        assert "is not right" in _login(client, user.login_name, "wrong-again").get_data(as_text=True)


def _parallel_wrong_logins(app, login: str, attempts: int) -> list[str]:
    barrier = threading.Barrier(attempts)
    pages: list[str] = []
    errors: list[BaseException] = []

    def attempt():
        try:
            with app.app_context():
                client = app.test_client()
                barrier.wait(timeout=20)
                pages.append(_login(client, login, "wrong-password").get_data(as_text=True))
                db.session.remove()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return pages


def test_forty_parallel_wrong_attempts_get_at_most_five_evaluations(app, factory):
    app.config["RATELIMIT_LOGIN_ADDRESS"] = "100 per minute"
    factory.resident(login="13700000002")
    pages = _parallel_wrong_logins(app, "137 0000 0002", 40)
    assert len(pages) == 40
    assert sum("is not right" in page for page in pages) == 5
    assert sum("Too many failed attempts" in page for page in pages) == 35


# ----- each limit answers 429 in the reader's language and keeps the text -----------------------------
def test_login_per_address_answers_429_and_keeps_the_typed_login(client, factory):
    for n in range(12):
        _login(client, f"someone{n}@example.cn", "wrong")
    response = _login(client, "13812345678", "whatever", headers=ZH_HANT)
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "請求過於頻繁" in page
    assert "13812345678" in page and "whatever" not in page  # passwords are never kept
    assert response.headers["Retry-After"].isdigit()
    form = client.get("/account/login").get_data(as_text=True)
    assert 'value="13812345678"' in form


def _register(client, login: str, name: str = "张伟", headers=EN):
    return client.post("/account/register", headers=headers, data={
        "login": login, "display_name": name, "password": "long-enough-1", "confirm": "long-enough-1"})


def test_registration_per_address(app):
    for n in range(3):
        client = _from(app.test_client(), "203.0.113.20")
        assert _register(client, f"1390000000{n}").status_code == 302
    client = _from(app.test_client(), "203.0.113.20")
    response = _register(client, "13900000009", name="第四个账号", headers={"Accept-Language": "zh-CN"})
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "请求过于频繁" in page and "第四个账号" in page
    # A registration waits for its code (portal/services/verification.py): three were started.
    assert db.session.query(VerificationCode).filter_by(purpose="register").count() == 3
    assert 'value="第四个账号"' in client.get("/account/register").get_data(as_text=True)


def test_registration_per_typed_identity(app):
    for n in range(2):
        _register(_from(app.test_client(), f"203.0.113.{30 + n}"), "139 0000 1111")
    response = _register(_from(app.test_client(), "203.0.113.40"), "13900001111")
    assert response.status_code == 429


def _suggestion_form(factory) -> dict:
    category = factory.category()
    return {"title": "公交站台加装遮阳棚", "problem": "夏天等车的老人晒得受不了，站台没有遮挡。",
            "measures": "在主要站台加装遮阳棚和座椅。", "category": str(category.id), "district": "0",
            "themed_call": "0"}


def test_submitting_per_account_keeps_the_suggestion_text(client, auth, factory):
    auth.login(factory.resident())
    typed = _suggestion_form(factory)
    for _ in range(2):
        assert client.post("/suggestions/new", data=typed).status_code == 302
    third = {**typed, "title": "第三条建议：路灯太暗"}
    response = client.post("/suggestions/new", data=third, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Too many requests" in page
    assert "第三条建议：路灯太暗" in page and "Nothing you typed is lost" in page
    assert db.session.query(Suggestion).count() == 2
    form = client.get("/suggestions/new", headers=EN).get_data(as_text=True)
    assert 'value="第三条建议：路灯太暗"' in form and "在主要站台加装遮阳棚和座椅。" in form


def test_the_similar_check_before_sending_is_not_counted(client, auth, factory):
    auth.login(factory.resident())
    typed = _suggestion_form(factory)
    for _ in range(4):
        assert client.post("/suggestions/new", data={**typed, "check_similar": "1"}).status_code == 200
    assert client.post("/suggestions/new", data=typed).status_code == 302


def test_submitting_per_address_counts_several_accounts(app, factory):
    typed = _suggestion_form(factory)
    statuses = []
    for _ in range(4):
        client = _from(app.test_client(), "203.0.113.60")
        client.post("/account/login", data={"login": factory.resident().login_name, "password": factory.PASSWORD})
        statuses.append(client.post("/suggestions/new", data=typed).status_code)
    assert statuses == [302, 302, 302, 429]


def test_supporting_per_account(client, auth, factory):
    suggestions = [factory.suggestion(status=Status.ACCEPTED) for _ in range(3)]
    auth.login(factory.resident())
    assert [client.post(f"/suggestions/{s.id}/support").status_code for s in suggestions] == [302, 302, 429]
    assert db.session.query(Support).count() == 2


def test_supporting_per_address(app, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    statuses = []
    for _ in range(4):
        client = _from(app.test_client(), "203.0.113.70")
        client.post("/account/login", data={"login": factory.resident().login_name, "password": factory.PASSWORD})
        statuses.append(client.post(f"/suggestions/{suggestion.id}/support").status_code)
    assert statuses == [302, 302, 302, 429]
    db.session.refresh(suggestion)
    assert suggestion.support_count == 3


def test_downloads_share_one_limit_per_address(client):
    assert client.get("/opendata/suggestions.csv").status_code == 200
    assert client.get("/opendata/suggestions.jsonl?year=2025").status_code == 200
    response = client.get("/opendata/metrics-by-department.csv?year=2025", headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 429 and "Too many requests" in page
    assert 'href="/opendata/metrics-by-department.csv?year=2025"' in page  # the same link, later
    assert _from(client, "203.0.113.80").get("/opendata/suggestions.csv").status_code == 200


def test_searching_per_address_keeps_the_query(client):
    for _ in range(3):
        assert client.get("/search?q=停车").status_code == 200
    response = client.get("/search?q=加装电梯", headers=EN)
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert 'href="/search?q=加装电梯"' in page
    # "60 per minute" counts in fixed one-minute windows: the wait is what is left of this one,
    # rounded up, so a request at a window's edge reads "2 min".
    assert re.search(r"You can try again in [12] min\.", page)


def test_api_reads_per_address_answer_problem_json(client):
    for _ in range(3):
        assert client.get("/api/v1/categories").status_code == 200
    response = client.get("/api/v1/suggestions")
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert _from(client, "203.0.113.90").get("/api/v1/categories").status_code == 200


# ----- the client address behind proxies ---------------------------------------------------------------
def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client):
    for n in range(3):
        client.get("/search?q=x", headers={"X-Forwarded-For": f"10.0.0.{n}"})
    assert client.get("/search?q=x", headers={"X-Forwarded-For": "10.0.0.99"}).status_code == 429


def test_behind_one_trusted_proxy_each_client_is_counted_on_its_own(app_config, _schema):
    proxied = create_app({**app_config, "PROXY_TRUSTED_HOPS": 1})
    client = proxied.test_client()
    for n in range(3):
        assert client.get("/search?q=x", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert client.get("/search?q=x", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    # The proxy appends the real client; whatever the client claimed before it is not trusted.
    forged = {"X-Forwarded-For": "10.9.9.9, 198.51.100.1"}
    assert client.get("/search?q=x", headers=forged).status_code == 429
    assert client.get("/search?q=x", headers={"X-Forwarded-For": "198.51.100.2"}).status_code == 200
    with proxied.app_context():
        db.engine.dispose()


def test_limits_can_be_turned_off(app_config, _schema):
    unlimited = create_app({**app_config, "RATELIMIT_ENABLED": False})
    client = unlimited.test_client()
    assert [client.get("/search?q=x").status_code for _ in range(6)] == [200] * 6
    with unlimited.app_context():
        db.engine.dispose()


# ----- counters shared through Redis -------------------------------------------------------------------
@pytest.fixture
def redis_storage():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"test-limits-{uuid.uuid4().hex[:12]}"
    yield url, prefix
    connection = redis.Redis.from_url(url)
    for key in connection.scan_iter(match=f"*{prefix}*"):
        connection.delete(key)


def test_two_app_instances_share_the_counters_through_redis(app_config, _schema, redis_storage):
    url, prefix = redis_storage
    config = {**app_config, "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix}
    first, second = create_app(config), create_app(config)  # two workers or hosts, each its own Limiter
    assert [first.test_client().get("/search?q=x").status_code for _ in range(2)] == [200, 200]
    assert [second.test_client().get("/search?q=x").status_code for _ in range(2)] == [200, 429]
    assert first.test_client().get("/search?q=x").status_code == 429
    keys = redis.Redis.from_url(url).keys(f"*{prefix}*")
    assert keys, "the counters are in Redis"
    for instance in (first, second):
        with instance.app_context():
            db.engine.dispose()


def test_the_lockout_holds_in_redis_under_forty_parallel_attempts(app_config, _schema, redis_storage):
    url, prefix = redis_storage
    shared = create_app({**app_config, "RATELIMIT_STORAGE_URI": url, "RATELIMIT_KEY_PREFIX": prefix,
                         "RATELIMIT_LOGIN_ADDRESS": "100 per minute"})
    pages = _parallel_wrong_logins(shared, "nobody@example.cn", 40)
    assert sum("is not right" in page for page in pages) == 5
    assert sum("Too many failed attempts" in page for page in pages) == 35
    with shared.app_context():
        db.engine.dispose()
