"""`flask search …`: rebuild, sync, verify the index; evaluate department routing."""
from __future__ import annotations

import json
import logging
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.extensions import db
from portal.models import Category, Suggestion
from portal.services import search_sync
from portal.services.search import route_text
from search_index import IndexBuildFailed, IndexBusy

cli = AppGroup("search", help="The full-text search index.")


@cli.command("reindex")
@click.option("--procs", type=click.IntRange(1, 16), default=None,
              help="Worker processes that analyse documents in parallel "
                   "[default: SEARCH_REINDEX_PROCS, else the CPU count up to 4].")
def reindex_command(procs: int | None) -> None:
    """Build a fresh index from the database and swap it in; searches keep working meanwhile."""
    started = time.monotonic()
    procs = procs or current_app.config["SEARCH_REINDEX_PROCS"]
    try:
        with search_sync.applier_session() as session:
            count = search_sync.reindex(session, search_sync.get_index(), procs=procs)
    except IndexBuildFailed as exc:  # a worker died (out of memory, killed): nothing was switched
        click.echo(f"reindex failed, the previous index stays in use: {exc}. Try again, or with --procs 1.", err=True)
        sys.exit(1)
    click.echo(f"reindexed {count} documents in {time.monotonic() - started:.1f}s")


@cli.command("sync")
@click.option("--loop", "loop_seconds", type=float, default=None, metavar="SECONDS",
              help="Keep running, applying pending changes every SECONDS (the one writer when "
                   "SEARCH_SYNC_INLINE is off).")
@click.option("--repair-every", "repair_seconds", type=click.FloatRange(min=0), default=300.0, show_default=True,
              metavar="SECONDS", help="With --loop: compare the index with the database this often and "
                                      "re-apply what differs (0: never).")
def sync_command(loop_seconds: float | None, repair_seconds: float) -> None:
    """Apply pending index changes (the outbox) to the index; rebuild it when missing or unreadable."""
    app = current_app._get_current_object()
    next_repair = time.monotonic() + repair_seconds
    while True:
        try:
            if loop_seconds is not None and repair_seconds and time.monotonic() >= next_repair:
                next_repair = time.monotonic() + repair_seconds
                with search_sync.applier_session() as session:
                    queued = search_sync.repair(session, search_sync.get_index(app))
                if queued:
                    click.echo(f"repair: {queued} documents differed from the database; re-applying them")
            result = search_sync.sync_now(app)
            if result.rows or result.rebuilt is not None or loop_seconds is None:
                click.echo(str(result))
        except IndexBusy as exc:  # a reindex is running; try again next round
            click.echo(f"index busy: {exc}", err=True)
            if loop_seconds is None:
                sys.exit(1)
        except Exception:  # database or disk trouble: a long-running writer keeps trying
            if loop_seconds is None:
                raise
            logging.getLogger(__name__).exception("search sync failed; retrying in %ss", loop_seconds)
        if loop_seconds is None:
            return
        time.sleep(max(0.5, loop_seconds))


@cli.command("verify")
@click.option("--limit", default=20, show_default=True, help="Document ids to list per kind of difference.")
def verify_command(limit: int) -> None:
    """Compare the index with the database; exits non-zero when they differ."""
    with search_sync.applier_session() as session:
        result = search_sync.verify(session, search_sync.get_index())
    report = result.report
    if not result.available:
        click.echo("index unavailable: " + "; ".join(result.problems))
    for label, ids in (("missing from the index", report.missing), ("in the index but not public", report.extra),
                       ("stale (content differs)", report.stale)):
        if ids:
            shown = ", ".join(ids[:limit]) + (" …" if len(ids) > limit else "")
            click.echo(f"{label}: {len(ids)}: {shown}")
    if result.pending:
        click.echo(f"{result.pending} changes are still pending (run `flask search sync`)")
    click.echo("ok: index matches the database" if result.ok else f"differences found: {report}")
    if not result.ok:
        sys.exit(1)


@cli.command("route-eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", default=15, show_default=True, help="Similar suggestions that vote.")
def route_eval_command(path: Path, k: int) -> None:
    """Route each message of FILE.jsonl (id, title, body, category) and report the accuracy.

    The expected department is the message category's default department. Routing learns only
    from indexed suggestions, never from the message itself (excluded by external id).
    """
    departments_by_category = {
        c.name: c.default_department.slug
        for c in db.session.scalars(select(Category).where(Category.default_department_id.is_not(None)))
    }
    totals: dict[str, Counter] = defaultdict(Counter)
    skipped = 0
    with path.open(encoding="utf-8") as handle:
        messages = [json.loads(line) for line in handle if line.strip()]
    own_ids = dict(db.session.execute(
        select(Suggestion.external_id, Suggestion.id).where(
            Suggestion.external_id.in_([str(m.get("id")) for m in messages]))).all())
    for message in messages:
        expected = departments_by_category.get(message.get("category") or "")
        if expected is None:
            skipped += 1
            continue
        own = own_ids.get(str(message.get("id")))
        text = f"{message.get('title', '')}\n{message.get('body', '')}"
        ranked = route_text(db.session, text, exclude_ids=(own,) if own else (), k=k)
        guess = ranked[0][0].slug if ranked else None
        row = totals[message["category"]]
        row["total"] += 1
        row["correct"] += guess == expected
        row["no_guess"] += guess is None
    total = sum(r["total"] for r in totals.values())
    correct = sum(r["correct"] for r in totals.values())
    if not total:
        click.echo("no message has a category that maps to a department; nothing to evaluate", err=True)
        sys.exit(1)
    click.echo(f"accuracy: {correct / total:.3f} ({correct}/{total})")
    click.echo(f"{_pad('category', 16)} {'messages':>8} {'correct':>8} {'accuracy':>8} {'no guess':>8}")
    for category, row in sorted(totals.items(), key=lambda item: -item[1]["total"]):
        click.echo(f"{_pad(category, 16)} {row['total']:>8} {row['correct']:>8} "
                   f"{row['correct'] / row['total']:>8.3f} {row['no_guess']:>8}")
    if skipped:
        click.echo(f"skipped {skipped} messages whose category has no department")


def _pad(text: str, width: int) -> str:
    """Left-align in a terminal, where a Chinese character takes two columns."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - columns)
