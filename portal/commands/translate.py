"""`flask translate …`: the catalog workflow.

English message ids live in the code. Translators write zh_Hans; zh_Hant is derived from zh_Hans
with OpenCC where no one has written it by hand; en repeats the id. Steps:
  flask translate update     extract strings, update all catalogs, fill en and derived zh_Hant
  (edit translations/zh_Hans/LC_MESSAGES/messages.po)
  flask translate update     again, to derive zh_Hant from what you wrote
  flask translate compile    build the .mo files (make run / make test do this)
  flask translate check      list what is missing; exit 1 if anything is
  flask translate absorb F   take translations from another messages.po (after a merge conflict)
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.pofile import read_po, write_po
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("zh_Hans", "zh_Hant", "en")
KEYWORDS = ["_", "gettext", "ngettext:1,2", "_l", "lazy_gettext", "_n:1,2", "lazy_ngettext:1,2"]

cli = AppGroup("translate", help="Extract, update, check and compile the message catalogs.")


def po_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def _pybabel(*args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("pybabel")), "-q", *args], check=True, cwd=ROOT)


def extract() -> None:
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    _pybabel("extract", "-F", "babel.cfg", *keywords, "--no-location", "--sort-output",
             "--project", "suggestion-portal", "-o", str(POT), ".")


def _load(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _save(catalog, path: Path) -> None:
    with path.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True, omit_header=False)


def _derive_missing() -> int:
    """en repeats the id; zh_Hant is OpenCC's s2t of zh_Hans where empty. Returns entries filled."""
    from portal.i18n import to_traditional

    filled = 0
    en = _load(po_path("en"))
    for message in en:
        if message.id and not message.string:
            message.string = message.id
            filled += 1
    _save(en, po_path("en"))
    hans = _load(po_path("zh_Hans"))
    hant = _load(po_path("zh_Hant"))
    for message in hant:
        source = hans.get(message.id)
        if message.id and source is not None and source.string and not _has_text(message.string):
            message.string = (tuple(to_traditional(s) for s in source.string)
                              if isinstance(source.string, (tuple, list)) else to_traditional(source.string))
            message.flags.discard("fuzzy")
            filled += 1
    _save(hant, po_path("zh_Hant"))
    return filled


def _has_text(string) -> bool:
    if isinstance(string, (tuple, list)):
        return all(string)
    return bool(string)


@cli.command("update")
def update_command() -> None:
    """Extract messages and update every catalog."""
    extract()
    for locale in LOCALES:
        if po_path(locale).exists():
            _pybabel("update", "--no-fuzzy-matching", "--ignore-obsolete", "-w", "0",
                     "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
        else:
            _pybabel("init", "-w", "0", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    click.echo(f"filled {_derive_missing()} derived entries")
    missing = missing_translations()
    click.echo("; ".join(f"{loc}: {len(ids)} missing" for loc, ids in missing.items()))


@cli.command("compile")
def compile_command() -> None:
    _pybabel("compile", "--use-fuzzy", "-d", str(TRANSLATIONS))


def missing_translations() -> dict[str, list[str]]:
    result = {}
    for locale in LOCALES:
        catalog = _load(po_path(locale))
        result[locale] = [m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                          if m.id and (not _has_text(m.string) or m.fuzzy)]
    return result


@cli.command("check")
def check_command() -> None:
    missing = missing_translations()
    for locale, ids in missing.items():
        for msgid in ids:
            click.echo(f"{locale}: {msgid}")
    if any(missing.values()):
        raise SystemExit(1)
    click.echo("all catalogs complete")


@cli.command("absorb")
@click.argument("other", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locale", type=click.Choice(LOCALES), default="zh_Hans")
def absorb_command(other: Path, locale: str) -> None:
    """Fill empty entries of LOCALE's catalog from OTHER (e.g. the other side of a merge)."""
    ours = _load(po_path(locale))
    theirs = _load(other)
    taken = 0
    for message in ours:
        source = theirs.get(message.id)
        if message.id and not _has_text(message.string) and source is not None and _has_text(source.string):
            message.string = source.string
            taken += 1
    _save(ours, po_path(locale))
    click.echo(f"took {taken} translations")


@cli.command("fill")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locale", type=click.Choice(LOCALES), default="zh_Hans")
def fill_command(source: Path, locale: str) -> None:
    """Write translations from a JSON object {msgid: translation} into LOCALE's catalog."""
    import json

    table = json.loads(source.read_text(encoding="utf-8"))
    catalog = _load(po_path(locale))
    written = 0
    for message in catalog:
        if message.id in table:
            message.string = table[message.id]
            message.flags.discard("fuzzy")
            written += 1
    _save(catalog, po_path(locale))
    unknown = set(table) - {m.id for m in catalog}
    click.echo(f"wrote {written}; not in the catalog (run `update` first?): {len(unknown)}")
