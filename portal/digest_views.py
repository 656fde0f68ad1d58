"""Rendering the daily digest for a staff page (office: the city or any department; a department: its own)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Optional

from flask import flash, redirect, request, url_for
from flask_babel import format_date, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, SubmitField
from wtforms.validators import AnyOf

from portal.attempt import commit
from portal.extensions import db
from portal.forms import PortalForm
from portal.services import digest, digest_subscriptions, search
from portal.services.search_sync import get_index
from portal.timeutil import local_date, utcnow

EARLIEST = date(2000, 1, 1)


def chosen_day() -> date:
    """The `date` argument (YYYY-MM-DD), or today; a malformed or far-off date means today."""
    today = local_date(utcnow())
    try:
        day = date.fromisoformat(request.args.get("date", "")[:10])
    except ValueError:
        return today
    return day if EARLIEST <= day <= today else today


# How close another suggestion must come to a suggestion's match with itself to share a hot topic.
HOT_TOPIC_SIMILARITY = 0.5


def similar_ids(suggestion) -> list[int]:
    """Suggestions the search engine finds about as similar to this one as it is to itself."""
    hits = get_index().similar(search.draft_text(suggestion), limit=11)
    own = next((hit.score for hit in hits if hit.object_id == suggestion.id), None)
    if not own:
        return []  # not in the index (not public yet): no basis for comparison
    return [int(hit.object_id) for hit in hits if hit.object_id is not None and hit.object_id != suggestion.id
            and (hit.score or 0) >= HOT_TOPIC_SIMILARITY * own]


class SubscriptionForm(PortalForm):
    action = HiddenField(validators=[AnyOf(("subscribe", "unsubscribe"))])
    submit = SubmitField(_l("Save"))


def charts(day: date, department_id: Optional[int]) -> tuple[list, list]:
    """The 12-month trends of the digest's scope up to `day`; for the city, departments compared over them."""
    from portal import caching, trend_charts
    from portal.blueprints.metrics.routes import listed_departments
    from portal.i18n import localized_name
    from portal.models import Department
    from portal.services.metrics import Metrics, compute_by_department, month_starts

    department = db.session.get(Department, department_id) if department_id is not None else None
    scope = localized_name(department) if department is not None else _("The whole city")
    trends = trend_charts.monthly(day, department_id, scope, "digest-trend")
    if department_id is not None:
        return trends, []
    first = month_starts(day)[0]
    _overall, by_department = caching.remember(
        f"metrics:{first}:{day}", lambda: compute_by_department(db.session, start=first, end=day),
        generation_name="metrics", timeout=caching.METRICS_TIMEOUT)
    rows = [(d, by_department.get(d.id, Metrics())) for d in listed_departments()]
    period = _("%(start)s to %(end)s", start=format_date(first), end=format_date(day))
    return trends, trend_charts.by_department(rows, period, "digest-compare")


def build(department_id: Optional[int]) -> dict:
    day = chosen_day()
    trends, comparisons = charts(day, department_id)
    subscribed = digest_subscriptions.is_subscribed(db.session, current_user)
    form = SubscriptionForm(formdata=None, action="unsubscribe" if subscribed else "subscribe")
    form.submit.label.text = _("Stop the daily e-mail") if subscribed else _("Receive this digest by e-mail each morning")
    return {"d": digest.compute(db.session, day, department_id, similar=similar_ids),
            "previous_day": day - timedelta(days=1),
            "next_day": day + timedelta(days=1) if day < local_date(utcnow()) else None,
            "trends": trends, "comparisons": comparisons, "subscribed": subscribed,
            "subscription_form": form if digest_subscriptions.can_subscribe(current_user) else None,
            "subscription_scope": digest_subscriptions.scope_of(current_user)}


def change_subscription(endpoint: str):
    """POST of the digest page's subscription button: one commit, a flashed message, back to the page."""
    form = SubscriptionForm()
    if not form.validate_on_submit():
        flash(_("The subscription was not changed; please try again."), "error")
        return redirect(url_for(endpoint))
    if not digest_subscriptions.can_subscribe(current_user):
        flash(_("Only the suggestion office and department staff can receive the daily digest."), "error")
        return redirect(url_for(endpoint))
    if form.action.data == "subscribe":
        commit(lambda: digest_subscriptions.subscribe(db.session, current_user))
        message = _("You will receive the daily digest by e-mail each morning.")
        if not current_user.email:
            message = _("You are subscribed, but your account has no e-mail address: the digest can only be "
                        "mailed once an administrator adds one.")
    else:
        commit(lambda: digest_subscriptions.unsubscribe(db.session, current_user))
        message = _("You will no longer receive the daily digest by e-mail.")
    flash(message, "success")
    return redirect(url_for(endpoint))
