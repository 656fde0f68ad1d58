"""Error pages in the reader's language; a failed CSRF check keeps what was typed."""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.drafts import keepable_items, park_form
from portal.extensions import db

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        db.session.rollback()
        kept = False
        if request.form:
            park_form(db.session, request.path, request.form)
            db.session.commit()
            kept = True
        return render_template("errors/csrf.html", kept=kept, back=request.path,
                               form_values=[v for _k, v in keepable_items(request.form)]), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        titles = {
            400: _("The request could not be understood"),
            403: _("You do not have access to this page"),
            404: _("Page not found"),
            405: _("This action is not available here"),
            413: _("What you sent is too large"),
            429: _("Too many requests"),
        }
        title = titles.get(error.code, _("Something went wrong"))
        return render_template("errors/error.html", code=error.code, title=title), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_template("errors/error.html", code=500,
                               title=_("Something went wrong on our side")), 500
