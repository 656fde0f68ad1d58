"""On the scale path the page cache lives in Redis: a change committed through one worker retires
the copies every other worker would serve. Two app instances stand in for two workers."""
from __future__ import annotations

import os
import uuid

import pytest
import redis

from portal import create_app
from portal.models import Status
from tests.conftest import IsolatedClient

EN = {"Accept-Language": "en"}


@pytest.fixture
def redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def app_config(app_config, redis_url):
    return {**app_config, "CACHE_REDIS_URL": redis_url, "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}


@pytest.fixture
def other_worker(app, app_config):
    other = create_app(app_config)
    other.test_client_class = IsolatedClient
    yield other
    connection = redis.Redis.from_url(app_config["CACHE_REDIS_URL"])
    keys = connection.keys(app_config["CACHE_KEY_PREFIX"] + "*")
    if keys:
        connection.delete(*keys)


def test_a_change_through_one_worker_shows_on_the_other_at_once(app, client, auth, factory, other_worker):
    assert app.config["CACHE_TYPE"] == "RedisCache"
    suggestion = factory.suggestion(status=Status.DISPATCHED, title="共享缓存的建议")
    visitor = other_worker.test_client()
    page = visitor.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert '<dd class="support-count">0</dd>' in page
    auth.login(factory.resident(name="张三"))
    assert client.post(f"/suggestions/{suggestion.id}/support").status_code == 302
    page = visitor.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert '<dd class="support-count">1</dd>' in page


def test_workers_share_one_rendered_copy(app, factory, other_worker):
    factory.suggestion(status=Status.ACCEPTED, title="只渲染一次")
    first = app.test_client().get("/suggestions/", headers=EN)
    second = other_worker.test_client().get("/suggestions/", headers=EN)
    assert first.headers["Last-Modified"] == second.headers["Last-Modified"]
    assert first.get_data(as_text=True).split('name="csrf_token"')[0] == \
        second.get_data(as_text=True).split('name="csrf_token"')[0]
