"""`flask suggestions import FILE.jsonl`: load a previous system's suggestions (safe to rerun)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.services import search_sync
from portal.services.suggestion_import import import_rows, read_rows

cli = AppGroup("suggestions", help="Suggestions in bulk.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import FILE.jsonl (id, title, body, time, category; reply, reply_time; likes) as published
    suggestions. Rows whose id was imported before are skipped."""
    try:
        result = import_rows(db.session, read_rows(path))
    except ValueError as exc:  # a line that is not JSON: nothing is imported
        db.session.rollback()
        click.echo(f"cannot read {path}: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"created {result.created}, skipped {result.skipped} already imported, "
               f"{result.replied} with a published reply")
    if result.without_category:
        click.echo(f"{result.without_category} without a known category (imported with no category and no department)")
    for name, count in sorted(result.unknown_categories.items()):
        click.echo(f"  unknown category {name!r}: {count} (add it under Administration → Categories to map it)")
    for error in result.errors:
        click.echo("not imported: " + error, err=True)
    # Index now, whether or not the commit already did it inline: nothing left pending.
    click.echo("search: " + str(search_sync.sync_now(current_app._get_current_object())))
