"""Security headers on every answer; HTTPS enforced only where the portal is configured for it."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path", ["/", "/suggestions/", "/no-such-page", "/suggestions/2147483648",
                                  "/hearings/calendar.ics", "/static/portal.css"])
def test_every_answer_forbids_framing_sniffing_and_inline_code(client, path):
    response = client.get(path)
    response.close()  # a static file's answer holds the file open
    policy = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in policy.split("; ")}
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_plain_http_is_served_without_redirect_or_hsts_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


class TestServedOverHttps:
    @pytest.fixture
    def app_config(self, app_config):
        return dict(app_config, HTTPS_ONLY=True)

    def test_plain_http_is_redirected_to_https(self, client):
        response = client.get("/suggestions/?page=2")
        assert response.status_code == 302
        assert response.headers["Location"] == "https://localhost/suggestions/?page=2"

    def test_https_answers_carry_hsts(self, client):
        response = client.get("/", base_url="https://localhost")
        assert response.status_code == 200
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"

    def test_behind_a_tls_proxy_the_forwarded_scheme_counts(self, client):
        response = client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert response.status_code == 200
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_no_template_holds_inline_script_or_style():
    """The policy would block them in the browser; this names the file at once."""
    from pathlib import Path
    import re

    templates = Path(__file__).resolve().parents[1] / "portal" / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"", re.I)
    offenders = [f"{path.relative_to(templates)}: {match.group(0)}" for path in sorted(templates.rglob("*.html"))
                 for match in inline.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
