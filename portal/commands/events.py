"""`flask events overdue`: report passed staff deadlines in the public event log."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.services import event_log

cli = AppGroup("events", help="The public event log.")


@cli.command("overdue")
def overdue_command() -> None:
    """Write an "overdue" event for each staff deadline that has passed since the last run
    (run it from one place, e.g. every few minutes from cron)."""
    count = event_log.record_overdue(db.session)
    db.session.commit()
    click.echo(f"{count} overdue events written")
