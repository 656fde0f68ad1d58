"""Home page, about page, and the locale switcher."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user
from portal import caching
from portal.attempt import commit
from portal.extensions import db
from portal.i18n import LOCALE_COOKIE, LOCALES
from portal.security import public
from portal.services import pagination, public_lists
from portal.services.public_views import public_suggestions
from portal.urls import safe_next

bp = Blueprint("main", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
@public
@caching.public_page
def index():
    public = public_lists.suggestions_query(public_lists.ListFilters())
    latest = db.session.scalars(public.order_by(*[key.desc() for key in public_lists.NEWEST]).limit(6)).all()
    public_count = caching.remember("public_count", lambda: pagination.count(db.session, public))
    return render_template("main/index.html", latest=public_suggestions(latest), public_count=public_count)


@bp.get("/about")
@public
@caching.public_page
def about():
    return render_template("main/about.html")


@bp.post("/locale")
@public
def set_locale():
    locale = request.form.get("locale", "")
    target = safe_next(request.form.get("next"))
    response = redirect(target)
    if locale in LOCALES:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, samesite="Lax", httponly=True)
        if current_user.is_authenticated:
            current_user.locale = locale
            commit()
    return response
