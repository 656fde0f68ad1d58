"""Mail and one-time codes leave after the commit, from the job thread: a slow sender slows no request.

The senders here are real and deliberately slow: an HTTP SMS gateway and an SMTP server on
loopback ports that take SENDER_DELAY seconds to answer. JOBS_WAIT is off, as in production, so
a request answers as soon as it committed; the test then waits for the job thread and reads what
arrived.
"""
from __future__ import annotations

import email
import email.policy
import json
import logging
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal import jobs
from portal.models import Role
from portal.services.search_sync import sync_thread
from tests.test_code_delivery import _SmtpListener

SENDER_DELAY = 5.0  # seconds a sender takes; every request must answer well within a quarter of it
# (a request that waited for the sender would take all of it; a loaded CI machine can stretch a
# request to a second, which must not read as waiting)
FAST = SENDER_DELAY / 4


class _SlowGateway(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(SENDER_DELAY)
        self.server.received.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        """Quiet: the test output is for failures, not one line per request."""


@pytest.fixture
def slow_gateway():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowGateway)  # any free port
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config, slow_gateway):
    return {**app_config, "JOBS_WAIT": False, "VERIFICATION_SENDER": ("sms",),
            "VERIFICATION_SMS_URL": f"http://127.0.0.1:{slow_gateway.server_port}/send",
            "VERIFICATION_SMS_KEY": "gateway-key"}


def _timed_post(client, url: str, data: dict) -> tuple[float, int]:
    started = time.monotonic()
    response = client.post(url, data=data)
    return time.monotonic() - started, response.status_code


def test_a_reset_answers_as_fast_for_an_account_as_for_nobody_and_the_code_still_arrives(
        app, client, factory, slow_gateway):
    factory.resident(name="张伟", login="13912345678")
    unknown, status_unknown = _timed_post(client, "/account/reset", {"login": "13987654321"})
    existing, status_existing = _timed_post(client, "/account/reset", {"login": "139 1234 5678"})
    assert (status_existing, status_unknown) == (302, 302)
    assert existing < FAST, f"the reset for an existing account took {existing:.2f}s"
    assert unknown < FAST
    assert abs(existing - unknown) < FAST
    assert slow_gateway.received == []  # the gateway is still busy: the request did not wait for it

    assert jobs.runner(app).wait_idle(timeout=3 * SENDER_DELAY)
    [sms] = slow_gateway.received  # one code, to the account; nothing for the unknown number
    assert sms["to"] == "13912345678"
    code = re.search(r"\d{6}", sms["text"]).group()
    assert "验证码" in sms["text"]  # rendered on the job thread in the person's language
    response = client.post("/account/reset/confirm", data={  # the session's pending reset is the account's
        "code": code, "new_password": "a-new-long-one-7", "confirm": "a-new-long-one-7"})
    assert response.status_code == 302


def test_a_slow_mail_server_does_not_slow_the_office_and_the_mail_arrives(app, client, factory, auth):
    smtp = _SmtpListener(delay=SENDER_DELAY)  # a slow mail server
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_USE_TLS=False,
                      MAIL_USERNAME="", MAIL_SENDER="noreply@portal.example")
    try:
        author = factory.resident(name="张三丰", login="author@example.cn")
        suggestion = factory.suggestion(author, title="建议增设公交站")
        auth.login(factory.user(Role.OFFICE_STAFF, name="受理员"))
        app.config["SEARCH_SYNC_WAIT"] = False  # as in production, the index work does not hold the request either
        took, status = _timed_post(client, f"/office/suggestions/{suggestion.id}/accept", {"confirmed": "1"})
        assert status == 302
        assert took < FAST, f"accepting took {took:.2f}s"
        assert smtp.messages == []
        assert jobs.runner(app).wait_idle(timeout=3 * SENDER_DELAY)
    finally:
        smtp.close()
        sync_thread(app).wait_idle()
    [raw] = smtp.messages
    message = email.message_from_string(raw, policy=email.policy.default)
    assert message["To"] == "author@example.cn"
    assert message["Subject"] == f"建议 {suggestion.tracking_number}：建议已受理。"
    assert "建议增设公交站" in message.get_content()


def test_a_failing_job_is_logged_and_the_next_one_still_runs(app, caplog):
    done = []

    def fails():
        raise OSError("gateway down")

    with app.app_context():
        jobs.submit(fails, failure="could not deliver a code message to 13900000000")
        jobs.submit(done.append, "after", failure="could not record")
        assert jobs.runner(app).wait_idle(timeout=10)
    assert done == ["after"]
    [record] = [r for r in caplog.records if r.name == "portal.jobs"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "could not deliver a code message to 13900000000"
    assert "gateway down" in caplog.text
