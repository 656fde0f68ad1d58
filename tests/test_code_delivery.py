"""Where one-time codes go: the log by default, a real HTTP SMS gateway, and clear configuration errors."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from portal import ConfigError, create_app
from portal.extensions import db
from portal.models import User

GATEWAY_PORT = 5121  # within this engineer's assigned ports (5120–5129)
SMTP_PORTS = range(5122, 5130)  # the first free one is used


class _Gateway(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Gateway.received.append({"auth": self.headers["Authorization"], **json.loads(body)})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"ok": true}')

    def log_message(self, *args):
        """Quiet: the test output is for failures, not one line per request."""


@pytest.fixture
def sms_gateway():
    _Gateway.received = []
    server = HTTPServer(("127.0.0.1", GATEWAY_PORT), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield _Gateway.received
    server.shutdown()
    server.server_close()


@pytest.fixture
def app_config(app_config):
    return {**app_config, "VERIFICATION_SENDER": ("sms",),
            "VERIFICATION_SMS_URL": f"http://127.0.0.1:{GATEWAY_PORT}/send", "VERIFICATION_SMS_KEY": "gateway-key"}


def test_a_phone_registration_is_confirmed_with_the_code_the_gateway_delivered(client, sms_gateway):
    response = client.post("/account/register", data={
        "login": "139 1234 5678", "display_name": "张伟", "password": "long-enough-1", "confirm": "long-enough-1"})
    assert response.status_code == 302
    [sms] = sms_gateway
    assert sms["to"] == "13912345678" and sms["auth"] == "Bearer gateway-key"
    code = re.search(r"\d{6}", sms["text"]).group()
    assert "验证码" in sms["text"]  # in the visitor's language (Simplified Chinese by default)
    assert client.post("/account/register/confirm", data={"code": code}).status_code == 302
    assert db.session.query(User).one().phone == "13912345678"


def test_an_email_cannot_register_when_only_sms_is_configured(client, sms_gateway):
    page = client.post("/account/register", data={
        "login": "a@example.cn", "display_name": "张伟", "password": "long-enough-1", "confirm": "long-enough-1"},
        headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Codes cannot be sent to e-mail addresses at the moment" in page
    assert sms_gateway == []


def test_a_gateway_outage_keeps_the_registration_and_a_new_code_can_be_asked_for(client, caplog):
    # No gateway listens: the request still answers, and the failure is logged for operators.
    response = client.post("/account/register", data={
        "login": "13912345678", "display_name": "张伟", "password": "long-enough-1", "confirm": "long-enough-1"})
    assert response.status_code == 302
    assert "could not deliver a code message to 13912345678" in caplog.text
    assert client.post("/account/code/resend", data={"purpose": "register"}).status_code == 302


@pytest.mark.parametrize("settings, message", [
    ({"VERIFICATION_SENDER": "pigeon"}, "VERIFICATION_SENDER"),
    ({"VERIFICATION_SENDER": "sms"}, "VERIFICATION_SMS_URL"),
    ({"VERIFICATION_SENDER": "smtp"}, "MAIL_SERVER"),
    ({"COOKIE_SECURE": "perhaps"}, "COOKIE_SECURE"),
])
def test_wrong_verification_settings_fail_clearly(monkeypatch, tmp_path, settings, message):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    monkeypatch.delenv("VERIFICATION_SMS_URL", raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        create_app()


def test_sms_and_smtp_together_reach_both_kinds_of_address(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("VERIFICATION_SENDER", "sms,smtp")
    monkeypatch.setenv("VERIFICATION_SMS_URL", "https://sms.example/send")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example")
    assert create_app().config["VERIFICATION_SENDER"] == ("sms", "smtp")


class _SmtpListener:
    """A minimal SMTP server on a loopback port: enough of RFC 5321 for smtplib to hand over messages.

    `delay` seconds pass before each greeting (a slow mail server); connections are served one
    after another until `close()`.
    """

    def __init__(self, delay: float = 0.0):
        import socket

        self.messages: list[str] = []
        self.delay = delay
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for port in SMTP_PORTS:
            try:
                self.sock.bind(("127.0.0.1", port))
                break
            except OSError:
                continue
        self.port = self.sock.getsockname()[1]
        self.sock.listen(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            with conn, conn.makefile("rb") as incoming:
                time.sleep(self.delay)
                self._converse(conn, incoming)

    def _converse(self, conn, incoming):
        conn.sendall(b"220 test ESMTP\r\n")
        while line := incoming.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                conn.sendall(b"250 test\r\n")
            elif command == "DATA":
                conn.sendall(b"354 go on\r\n")
                lines = []
                while (data := incoming.readline()) != b".\r\n":
                    lines.append(data.decode())
                self.messages.append("".join(lines))
                conn.sendall(b"250 queued\r\n")
            elif command == "QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")

    def close(self):
        self.sock.close()


def test_an_email_registration_gets_its_code_through_smtp(app, client):
    smtp = _SmtpListener()
    app.config.update(VERIFICATION_SENDER=("smtp",), MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                      MAIL_USE_TLS=False, MAIL_USERNAME="", MAIL_SENDER="noreply@portal.example")
    try:
        response = client.post("/account/register", data={
            "login": "wang@example.cn", "display_name": "王芳", "password": "long-enough-1",
            "confirm": "long-enough-1"}, headers={"Accept-Language": "en"})
        assert response.status_code == 302
        smtp.thread.join(timeout=10)
    finally:
        smtp.close()
    [message] = smtp.messages
    assert "To: wang@example.cn" in message and "Subject: Your code for the suggestion portal" in message
    code = re.search(r"portal is (\d{6})", message).group(1)
    assert client.post("/account/register/confirm", data={"code": code}).status_code == 302
    assert db.session.query(User).one().email == "wang@example.cn"
