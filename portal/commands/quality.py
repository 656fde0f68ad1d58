"""`flask quality seed|draw|verify`: the quality-review checklist and the weekly samples (评查)."""
from __future__ import annotations

import sys
from typing import Optional

import click
from flask import current_app
from flask.cli import AppGroup

from portal.extensions import db
from portal.services import quality
from portal.timeutil import utcnow

cli = AppGroup("quality", help="Quality review (评查) of published replies.")


def _week(text: Optional[str]) -> tuple[int, int]:
    if not text:
        return quality.last_full_week(utcnow())
    week = quality.parse_week(text)
    if week is None:
        click.echo(f"not a week: {text!r} (write it as 2026-W47)", err=True)
        sys.exit(2)
    return week


@cli.command("seed")
def seed_command() -> None:
    """Add the common criteria (答非所问, 以程序代替实体, 漏答, 超期未说明, 未告知复查权利) that are missing."""
    added = quality.seed_criteria(db.session)
    db.session.commit()
    click.echo(f"criteria added: {added}")


@cli.command("draw")
@click.option("--week", help="ISO week, e.g. 2026-W47 (default: last week)")
@click.option("--per-department", type=click.IntRange(1, quality.MAX_PER_DEPARTMENT), default=None)
def draw_command(week: Optional[str], per_department: Optional[int]) -> None:
    """Draw the week's sample (once: a week drawn before is shown, not drawn again)."""
    year, number = _week(week)
    size = per_department or int(current_app.config.get("QUALITY_SAMPLE_SIZE", quality.DEFAULT_PER_DEPARTMENT))
    try:
        sample, new = quality.draw_sample(db.session, year, number, size, None)
    except quality.QualityError as error:
        db.session.rollback()
        click.echo(f"cannot draw {quality.week_label(year, number)}: {error.code}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(f"{quality.week_label(year, number)}: {'drawn' if new else 'drawn before'}; "
               f"{len(sample.items)} of {sample.population_size} replies; seed {sample.seed}")


@cli.command("verify")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W47")
def verify_command(week: str) -> None:
    """Redo the week's draw from its recorded random value and say whether it gives the same replies."""
    year, number = _week(week)
    sample = quality.sample_for(db.session, year, number)
    if sample is None:
        click.echo(f"no sample for {quality.week_label(year, number)}", err=True)
        sys.exit(1)
    ok = quality.verify_sample(db.session, sample)
    click.echo(f"seed = SHA-256({quality.week_label(year, number)}:{sample.nonce}) = {sample.seed}")
    click.echo("the draw reproduces: same replies" if ok else "the draw does NOT reproduce")
    sys.exit(0 if ok else 1)
