"""Security headers on every response, through Flask-Talisman.

The Content-Security-Policy allows scripts and styles from this site's own files only: no inline
<script>, no style="" and no <style>, so injected markup can neither run nor restyle the page.
Pages may not be framed (clickjacking), types are not sniffed, and other sites learn at most our
origin from the Referer. HTTPS is enforced (redirect + HSTS) only when HTTPS_ONLY is configured.
"""
from __future__ import annotations

from flask import Flask

from portal.extensions import talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
HSTS_SECONDS = 365 * 24 * 3600


def init_security_headers(app: Flask) -> None:
    https_only = app.config.get("HTTPS_ONLY", False)
    talisman.init_app(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        force_https=https_only,
        strict_transport_security=https_only,
        strict_transport_security_max_age=HSTS_SECONDS,
        # Talisman would overwrite the cookie settings; the portal's own configuration decides them.
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_http_only=app.config.get("SESSION_COOKIE_HTTPONLY", True),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE"),
    )
