"""Error pages in the reader's language; a failed CSRF check or a rate limit keeps what was typed."""
from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from portal.blueprints.api.routes import is_api_request, problem, problem_for
from portal.database import is_transient
from portal.drafts import keepable_items, park_form
from portal.extensions import db
from portal.ratelimits import current_limiter

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def _keep_typed_text() -> bool:
    """Park a refused form's text for the same page to hand back; True when something was sent."""
    db.session.rollback()
    if not request.form:
        return False
    park_form(request.path, request.form)
    return True


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        kept = _keep_typed_text()
        return render_template("errors/csrf.html", kept=kept, back=request.path,
                               form_values=[v for _k, v in keepable_items(request.form)]), 400

    @app.errorhandler(429)
    def too_many_requests(error: HTTPException):
        if is_api_request():
            return problem_for(error)
        kept = _keep_typed_text()
        breached = current_limiter().current_limit
        reset_at = breached.reset_at if breached else time.time() + 60
        minutes = max(1, math.ceil((reset_at - time.time()) / 60))
        # A GET (search, download) keeps its query in the address: the same link works later.
        back = request.full_path.rstrip("?") if request.method == "GET" else request.path
        return render_template("errors/too_many.html", kept=kept, back=back, minutes=minutes,
                               form_values=[v for _k, v in keepable_items(request.form)]), 429

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if is_api_request():
            return problem_for(error)
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

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: SQLAlchemyError):
        """A terminated connection, a restarting server, a lock held too long: 503, try again.

        The transaction was rolled back, so nothing was saved halfway. The typed text is shown back
        on the page itself: parking it would need the database that just failed.
        """
        if not is_transient(error):
            return unexpected(error)
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig
                    if isinstance(error, DBAPIError) else error)
        db.session.rollback()
        if "_login_user" not in g:
            # The failure came while loading the signed-in user: answer as to a visitor, rather
            # than ask the failing database again for the page's language and menu.
            current_app.login_manager._update_request_context_with_user()
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if is_api_request():
            return problem(503, "Service Unavailable"), 503, headers
        back = request.full_path.rstrip("?") if request.method == "GET" else request.path
        form_values = [v for _k, v in keepable_items(request.form)]
        try:
            page = render_template("errors/unavailable.html", back=back, form_values=form_values)
        except SQLAlchemyError:  # the page's own lookups failed too: plain words and the text
            db.session.rollback()
            page = "\n\n".join([_("The service is briefly unavailable. Nothing you sent was saved halfway; "
                                   "please try again in a moment."), *form_values])
            headers["Content-Type"] = "text/plain; charset=utf-8"
        return page, 503, headers

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if is_api_request():
            return problem(500, "Internal Server Error")
        return render_template("errors/error.html", code=500,
                               title=_("Something went wrong on our side")), 500
