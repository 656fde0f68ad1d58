"""`flask digest send`: mail the daily digest (民情日报) to its subscribers, once per day.

A scheduled job (see docs/deployment.md), never a web request. Each subscriber's delivery is
committed right after their mail went out, so a run that stops half-way resumes where it stopped
and nobody gets the same day twice (at most the one mail in flight when it stopped, again).
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import click
from flask.cli import AppGroup

from portal import digest_mail
from portal.digest_views import similar_ids
from portal.extensions import db
from portal.mail import send_mail
from portal.models import Department
from portal.services import digest, digest_subscriptions
from portal.timeutil import local_date, utcnow

log = logging.getLogger(__name__)
cli = AppGroup("digest", help="The daily digest (民情日报) by e-mail.")


def _day(ctx, param, value: str | None) -> date:
    if not value:
        return local_date(utcnow()) - timedelta(days=1)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD, for example 2026-03-01")


@cli.command("send")
@click.option("--date", "day", callback=_day, help="The local day (Asia/Shanghai), YYYY-MM-DD; default yesterday.")
@click.option("--force", is_flag=True, help="Send again to subscribers who already received this day.")
def send_command(day: date, force: bool) -> None:
    """Send the digest of a day to every subscriber who has not received it yet."""
    if day > local_date(utcnow()):
        raise click.BadParameter("the day has not come yet", param_hint="--date")
    recipients = digest_subscriptions.recipients(db.session, day, force=force)
    # One digest per scope and one text per scope and language, all made before the first commit
    # (which would expire the loaded suggestions), whatever the number of subscribers.
    texts: dict = {}
    for recipient in recipients:
        scope, locale = recipient.department_id, recipient.user.locale
        if (scope, locale) not in texts:
            computed = next((d for (s, _l), (d, _t) in texts.items() if s == scope), None) \
                or digest.compute(db.session, day, scope, similar=similar_ids)
            department = db.session.get(Department, scope) if scope is not None else None
            texts[scope, locale] = computed, digest_mail.render(computed, department, locale)
    sent = failed = 0
    for recipient in recipients:
        subject, body = texts[recipient.department_id, recipient.user.locale][1]
        email, user_id = recipient.user.email, recipient.user.id
        try:
            send_mail(email, subject, body)
        except Exception:  # one unreachable mailbox must not stop the others; the next run retries it
            log.exception("could not send the digest to user %s", user_id)
            failed += 1
            continue
        digest_subscriptions.record_delivery(db.session, recipient, day, utcnow())
        db.session.commit()
        sent += 1
    click.echo(f"digest of {day.isoformat()}: sent {sent}, failed {failed}")
    if failed:
        raise SystemExit(1)
