"""`flask demo load`: a believable city to explore locally (safe to run again)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.services import demo

cli = AppGroup("demo", help="Demo data for local use.")


@cli.command("load")
def load_command() -> None:
    """Load reference data, demo accounts and demo suggestions; running it twice adds nothing."""
    counts = demo.load(db.session)
    db.session.commit()
    click.echo("demo data ready: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
