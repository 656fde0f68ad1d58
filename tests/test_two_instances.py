"""Two web hosts behind a load balancer: what one publishes, the other finds.

Two real gunicorn processes with separate instance folders share this test's PostgreSQL database
and Redis, with SEARCH_BACKEND=postgres, as docs/deployment.md describes. A department's staff
member replies and publishes through host A's forms; host B's search finds the reply within a few
seconds, and both hosts show the same public pages. Runs when the test database is PostgreSQL.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import uuid
import urllib.error
import urllib.parse
import urllib.request
from contextlib import closing
from pathlib import Path

import pytest

from portal.models import Role, Status

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith(("postgres://", "postgresql://")),
    reason="several hosts share a PostgreSQL database: runs in the PostgreSQL pass of .ci/run",
)
PORTS = range(5170, 5180)  # this project's loopback ports for test servers
REPLY = "经研究，我局采纳您的建议：在新城区增开夜间公交专线，方便晚归的市民回家。"
STARTUP_SECONDS = 90  # two workers load jieba's dictionary on a shared, busy machine
FOUND_WITHIN_SECONDS = 5
RUN = uuid.uuid4().hex[:12]  # this run's Redis keys (Redis outlives test runs)


@pytest.fixture
def app_config(app_config):
    app_config["SEARCH_BACKEND"] = "postgres"
    return app_config


def free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


class Host:
    """One web host: a gunicorn process with its own instance folder, and a browser-like client."""

    def __init__(self, name: str, port: int, instance: Path, database_url: str) -> None:
        self.name, self.base = name, f"http://127.0.0.1:{port}"
        redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        instance.mkdir()
        env = {
            **os.environ,
            "DATABASE_URL": database_url,  # the test worker's own database (tests/conftest.py)
            "SEARCH_BACKEND": "postgres",
            "SEARCH_SYNC_INLINE": "0",
            "SECRET_KEY": "two-hosts-share-one-secret-key",
            "COOKIE_SECURE": "0",  # plain http on loopback: a Secure session cookie would never come back
            "PORTAL_INSTANCE_PATH": str(instance),
            # The scale path: page caches and rate-limit counters shared through Redis.
            "CACHE_REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": f"two-hosts-{RUN}",
            # Shared pages of an earlier run (same ids, same pages) must not answer this one.
            "CACHE_KEY_PREFIX": f"two-hosts-{RUN}",
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log = (instance / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "120", "portal:create_app()"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[1],
        )
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"host {self.name} exited: {self.output()}")
            try:
                if self.get("/")[0] == 200:
                    return
            except OSError:  # refused while gunicorn starts, or slow on a busy machine
                time.sleep(0.3)
        raise AssertionError(f"host {self.name} did not answer within {STARTUP_SECONDS}s: {self.output()}")

    def request(self, path: str, data: dict | None = None, *, signed_in: bool = True) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Accept-Language": "en"})
        opener = self.opener if signed_in else urllib.request.build_opener()
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)

    def post_form(self, form_page: str, path: str, data: dict) -> tuple[int, str]:
        """Submit a form as a browser does: with the CSRF token of the page that shows it."""
        status, page = self.get(form_page)
        assert status == 200, f"{form_page} on {self.name}: {status}"
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert token, f"no CSRF token on {form_page}"
        return self.request(path, {**data, "csrf_token": token.group(1)})

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text()[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@pytest.fixture
def hosts(app, tmp_path, database_url):
    first = free_port(set())
    started = [Host("A", first, tmp_path / "host-a", database_url),
               Host("B", free_port({first}), tmp_path / "host-b", database_url)]
    try:
        for host in started:
            host.wait_until_serving()
        yield started
    finally:
        for host in started:
            host.stop()


def public_page(html: str) -> str:
    """A page without what differs per response by design (CSRF tokens, nonces)."""
    return re.sub(r'(name="csrf_token"[^>]*value|nonce)="[^"]*"', r'\1=""', html)


def search_titles(host: Host, query: str) -> list[str]:
    status, html = host.request("/search?" + urllib.parse.urlencode({"q": query}), signed_in=False)
    assert status == 200
    return [re.sub(r"</?mark>", "", t) for t in
            re.findall(r'<li class="search-hit">\s*<h3><a href="[^"]*">(.*?)</a>', html, re.S)]


def test_a_reply_published_on_one_host_is_found_on_the_other(hosts, factory):
    host_a, host_b = hosts
    transport = factory.department("交通运输局", slug="transport")
    staff = factory.user(Role.DEPARTMENT_STAFF, name="张承办", department=transport)
    suggestion = factory.suggestion(status=Status.DISPATCHED, lead_department=transport,
                                    title="建议增开夜间公交", problem="晚上九点以后新城区没有公交。", measures="增开夜班车。")
    assert search_titles(host_b, "公交专线") == []  # the reply is not written yet

    status, _ = host_a.post_form("/account/login", "/account/login",
                                 {"login": staff.login_name, "password": factory.PASSWORD})
    assert status == 200, "staff signs in on host A"
    detail = f"/department/suggestions/{suggestion.id}"
    status, page = host_a.post_form(detail, f"{detail}/reply", {"decision": "adopted", "body": REPLY,
                                                                            "confirmed": "1"})
    assert status == 200 and "The reply has been sent to the author" in page
    assert search_titles(host_b, "公交专线") == []  # replied, not yet published
    status, page = host_a.post_form(detail, f"{detail}/publish", {"confirmed": "1"})
    assert status == 200

    deadline = time.monotonic() + FOUND_WITHIN_SECONDS
    while search_titles(host_b, "公交专线") != ["建议增开夜间公交"]:
        assert time.monotonic() < deadline, "host B never found the reply published on host A"
        time.sleep(0.2)

    for path in ("/", f"/suggestions/{suggestion.id}", "/search?q=公交", "/search?q=夜间公交专线"):
        path = urllib.parse.quote(path, safe="/?=")
        (status_a, page_a), (status_b, page_b) = (host.request(path, signed_in=False) for host in hosts)
        assert status_a == status_b == 200, path
        assert public_page(page_a) == public_page(page_b), f"{path} differs between the hosts"
    assert REPLY in host_b.get(f"/suggestions/{suggestion.id}")[1]
