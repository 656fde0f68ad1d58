"""Home page, about page, and the locale switcher."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from portal.extensions import db
from portal.i18n import LOCALE_COOKIE, LOCALES
from portal.models import PUBLIC_STATUSES, Suggestion
from portal.security import public
from portal.urls import safe_next

bp = Blueprint("main", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
@public
def index():
    public_statuses = [s.value for s in PUBLIC_STATUSES]
    latest = db.session.scalars(
        select(Suggestion).where(Suggestion.status.in_(public_statuses))
        .order_by(Suggestion.accepted_at.desc().nulls_last(), Suggestion.id.desc()).limit(6)
    ).all()
    public_count = db.session.scalar(
        select(func.count()).select_from(Suggestion).where(Suggestion.status.in_(public_statuses)))
    return render_template("main/index.html", latest=latest, public_count=public_count)


@bp.get("/about")
@public
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
            db.session.commit()
    return response
