"""`flask hearings list|verify|sync`: hearings from the command line, and the public verifier."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Hearing
from portal.services import hearing_selection
from portal.timeutil import LOCAL_TZ, utcnow

cli = AppGroup("hearings", help="Hearings: list them, verify a member selection, apply passed deadlines.")


@cli.command("list")
def list_command() -> None:
    """One hearing per line: id, date and time (Asia/Shanghai), status, reference, subject."""
    for hearing in db.session.scalars(select(Hearing).order_by(Hearing.starts_at, Hearing.id)):
        when = hearing.starts_at.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
        click.echo(f"{hearing.id}\t{when}\t{hearing.status}\t{hearing.reference}\t{hearing.subject}")


@cli.command("verify")
@click.argument("hearing_id", type=int)
def verify_command(hearing_id: int) -> None:
    """Recompute the member selection of HEARING_ID from its published inputs; exit 0 only if the panel is right."""
    hearing = db.session.get(Hearing, hearing_id)
    if hearing is None:
        click.echo(f"no hearing {hearing_id}", err=True)
        sys.exit(2)
    result = hearing_selection.verify_stored(hearing)
    click.echo(f"hearing {hearing.id} ({hearing.reference}):")
    for line in result.lines:
        click.echo(line)
    if result.ok:
        click.echo("The published panel is right.")
    else:
        click.echo("The published panel cannot be confirmed from the published inputs.")
        sys.exit(1)


@cli.command("sync")
def sync_command() -> None:
    """Apply the fallbacks of every passed selection deadline and publish panels that became final."""
    now = utcnow()
    changed = 0
    for hearing in db.session.scalars(select(Hearing).where(Hearing.selection_json.is_not(None))):
        changed += hearing_selection.sync(db.session, hearing, now)
    db.session.commit()
    click.echo(f"{changed} selection(s) updated")
