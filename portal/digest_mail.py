"""The daily digest as a plain-text e-mail, in the subscriber's language (sent by `flask digest send`).

Text residents or staff wrote reaches the mail only through the public views: suggestion titles
are masked (`public_views.public_title`) like a follower's notice, since a mailbox is outside the
portal. Codes are shown as their translated labels.
"""
from __future__ import annotations

from typing import Optional

from flask import current_app, url_for
from flask_babel import force_locale, format_date, format_decimal, gettext

from portal import labels
from portal.i18n import localized_name
from portal.models import Department
from portal.services.digest import Digest
from portal.services.public_views import public_title


def _items(suggestions, empty: str) -> list[str]:
    if not suggestions:
        return ["  " + empty]
    return [f"  - {s.tracking_number} {public_title(s)} ({labels.status(s.status)})" for s in suggestions]


def _counts(rows, nobody: str) -> str:
    return "; ".join(f"{localized_name(obj) if obj else nobody} {count}" for obj, count in rows) or gettext("None")


def _link(department: Optional[Department], digest: Digest) -> str:
    endpoint = "department.digest" if department is not None else "office.digest"
    try:
        return url_for(endpoint, date=digest.day.isoformat(), _external=True)
    except Exception:  # no SERVER_NAME configured for the command: the mail stands on its own
        return ""


def render(digest: Digest, department: Optional[Department], locale: Optional[str]) -> tuple[str, str]:
    """(subject, body) of the digest mail in `locale` (the portal's default language when None)."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        scope = localized_name(department) if department is not None else gettext("The whole city")
        day = format_date(digest.day, "long")
        subject = gettext("Daily digest, %(day)s: %(scope)s", day=day, scope=scope)
        lines = [subject, ""]

        def section(title: str, body: list[str]) -> None:
            lines.extend([title, *body, ""])

        section(gettext("What came in"), [
            "  " + gettext("%(count)s suggestions came in; over the previous 7 days %(week)s a day on average, "
                           "over the previous 28 days %(month)s.", count=digest.arrivals,
                           week=format_decimal(digest.average_7, "0.0"),
                           month=format_decimal(digest.average_28, "0.0")),
            "  " + gettext("By category") + ": " + _counts(digest.by_category, gettext("No category")),
            "  " + gettext("By district") + ": " + _counts(digest.by_district, gettext("No district")),
            *_items(digest.arrived, gettext("Nothing came in on this day."))])
        section(gettext("Hot topics"), [
            line for group in digest.hot_topics
            for line in ["  " + gettext("%(count)s similar suggestions", count=len(group)), *_items(group, "")]]
            or ["  " + gettext("No group of similar suggestions.")])
        section(gettext("Due today"), _items(digest.due_today, gettext("Nothing is due on this day.")))
        section(gettext("Overdue at the start of the day: %(count)s", count=digest.overdue_total),
                _items(digest.overdue, gettext("Nothing is overdue.")))
        section(gettext("Became widely supported"), _items(digest.widely_supported, gettext("None on this day.")))
        section(gettext("Dissatisfied ratings"), _items(digest.dissatisfied, gettext("None on this day.")))
        section(gettext("Review requests"), _items(digest.review_requests, gettext("None on this day.")))
        section(gettext("Conversions recorded or moved forward"),
                _items(digest.conversions, gettext("None on this day.")))
        link = _link(department, digest)
        if link:
            lines.extend([link, ""])
        lines.append(gettext("You receive this because you subscribed to the daily digest. You can unsubscribe "
                             "on the digest page."))
    return subject, "\n".join(lines)
