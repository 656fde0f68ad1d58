#!/usr/bin/env python3
"""Recompute the figures of the portal's /metrics page from the public event log alone.

Standard library only; nothing of the portal is imported. It reads the day files (from the
portal: https://…/opendata/events/, or from a directory of downloaded `YYYY-MM-DD.jsonl` files),
checks the hash chain, and prints every metric, overall and per lead department:

    python3 tools/recompute_metrics.py https://portal.example.cn/opendata/events/ --year 2025
    python3 tools/recompute_metrics.py ./events/ --start 2025-01-01 --end 2025-03-31

The definitions are the metrics page's (portal/services/metrics.py):
- a measure belongs to the period of the event that completes it, by the date in China Standard
  Time; --start and --end are inclusive;
- timely acceptance: accepted or declined by the acceptance deadline ("due" of the event);
- on-time closure: replied by the reply deadline ("due" of the "replied" event);
- first-time resolution: replied suggestions whose outcome is known (rated, a review requested,
  closed, or the review window "review_until" has passed at --now) without a review request;
- adoption: of replied suggestions with a published decision, adopted or partly adopted (the last
  decision published, a review answer may change it);
- conversion: of those adopted, the ones with a conversion;
- satisfaction: ratings "satisfied" or "basically satisfied" of all ratings in the period;
- online share: suggestions submitted online of all submitted in the period (a suggestion later
  split is counted as its parts instead);
- department: the suggestion's current lead department (the last dispatch not returned).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable, Optional

CHINA = timezone(timedelta(hours=8))  # China Standard Time, without daylight saving since 1991
METRICS = ("timely_acceptance", "on_time_closure", "first_time_resolution", "adoption", "conversion",
           "satisfaction", "online_share")
ADOPTED = ("adopted", "partly_adopted")
CONTENT = ("satisfied", "basically_satisfied")


class ChainError(Exception):
    """The files do not form an unbroken chain; `day` is the first file that cannot be trusted."""

    def __init__(self, day: str, reason: str):
        super().__init__(f"{day}: {reason}")
        self.day = day
        self.reason = reason


# --- reading ----------------------------------------------------------------------------------

def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (the user names the address)
        return response.read()


def download(base_url: str) -> tuple[dict, dict[str, bytes]]:
    """The published index and every day's file, by day, from the portal."""
    base = base_url if base_url.endswith("/") else base_url + "/"
    index = json.loads(_get(urllib.parse.urljoin(base, "index.json")))
    files = {entry["day"]: _get(urllib.parse.urljoin(base, f"{entry['day']}.jsonl")) for entry in index["days"]}
    return index, files


def read_directory(path: Path) -> dict[str, bytes]:
    return {item.stem: item.read_bytes() for item in sorted(path.glob("*.jsonl"))}


def verify_chain(files: dict[str, bytes], index: Optional[dict] = None) -> list[dict]:
    """Every event of every file, oldest day first, after checking that each file names the day
    before it with that file's SHA-256, that the days follow each other without a gap, and that
    each file holds as many events as its header says. With the portal's index, the hashes it
    publishes must match too. Raises ChainError naming the day that was tampered with."""
    events: list[dict] = []
    previous_day: Optional[date] = None
    previous_sha: Optional[str] = None
    listed = {entry["day"]: entry["sha256"] for entry in (index or {}).get("days", [])}
    if index is not None and set(listed) != set(files):
        missing = sorted(set(listed) ^ set(files))
        raise ChainError(missing[0], "listed in the index but missing, or present but not listed")
    for name in sorted(files):
        content = files[name]
        lines = content.decode("utf-8").split("\n")
        if lines[-1] != "":
            raise ChainError(name, "the file does not end with a newline")
        try:
            records = [json.loads(line) for line in lines[:-1]]
        except json.JSONDecodeError as error:
            raise ChainError(name, f"a line is not JSON ({error})") from None
        if not records:
            raise ChainError(name, "the file is empty")
        head, day_events = records[0], records[1:]
        try:
            day = date.fromisoformat(head["day"])
        except (TypeError, KeyError, ValueError):
            raise ChainError(name, "the first line is not a header naming the day") from None
        if head["day"] != name:
            raise ChainError(name, f"the file says it is the day {head['day']}")
        if previous_day is not None and day != previous_day + timedelta(days=1):
            raise ChainError((previous_day + timedelta(days=1)).isoformat(), "this day's file is missing")
        if previous_day is not None and head.get("previous_sha256") != previous_sha:
            raise ChainError(previous_day.isoformat(),
                             f"the file does not match the SHA-256 that the file of {name} records for it")
        if head.get("events") != len(day_events):
            raise ChainError(name, f"the header says {head.get('events')} events, the file holds {len(day_events)}")
        sha = hashlib.sha256(content).hexdigest()
        if name in listed and listed[name] != sha:
            raise ChainError(name, "the file does not match the SHA-256 the portal publishes for it")
        events.extend(day_events)
        previous_day, previous_sha = day, sha
    return events


# --- recomputing ------------------------------------------------------------------------------

def _moment(text: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(text) if text else None


def _local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


@dataclass
class Case:
    """What the log says about one suggestion."""

    department: Optional[str] = None
    submitted: Optional[dict] = None
    decided: list = field(default_factory=list)      # "accepted" / "declined" events
    replied: Optional[dict] = None
    decision: Optional[str] = None                   # the last published decision
    published: bool = False
    converted: bool = False
    rated: bool = False
    review_requested: bool = False
    closed: bool = False
    split: bool = False


def cases_from(events: Iterable[dict]) -> tuple[dict[int, Case], list[tuple[int, dict]]]:
    """Each suggestion's state after every event, and the ratings (suggestion, event)."""
    cases: dict[int, Case] = {}
    ratings = []
    for e in sorted(events, key=lambda e: (_moment(e["time"]), e["seq"])):
        case = cases.setdefault(e["suggestion"], Case())
        kind = e["type"]
        if kind == "submitted":
            case.submitted = e
        elif kind in ("accepted", "declined"):
            case.decided.append(e)
        elif kind == "split":
            case.split = True
        elif kind == "dispatched":
            case.department = e.get("department")
        elif kind == "returned":
            case.department = None
        elif kind == "replied":
            case.replied = e
        elif kind == "published":
            case.published, case.decision = True, e.get("decision")
        elif kind in ("review_answered", "second_review_answered"):
            case.decision = e.get("decision", case.decision)
            case.closed = case.closed or kind == "second_review_answered"
        elif kind == "review_requested":
            case.review_requested = True
        elif kind == "converted":
            case.converted = True
        elif kind == "rated":
            case.rated = True
            ratings.append((e["suggestion"], e))
        elif kind == "closed":
            case.closed = True
    return cases, ratings


def recompute(events: Iterable[dict], *, start: Optional[date] = None, end: Optional[date] = None,
              now: Optional[datetime] = None) -> tuple[dict, dict]:
    """({metric: (numerator, denominator)}, {department code or None: the same}) as on /metrics."""
    now = now or datetime.now(timezone.utc)
    cases, ratings = cases_from(events)

    def within(moment: datetime) -> bool:
        day = _local_day(moment)
        return (start is None or day >= start) and (end is None or day <= end)

    by_department: dict[Optional[str], dict[str, list[int]]] = {}

    def count(case: Case, metric: str, numerator: bool) -> None:
        figures = by_department.setdefault(case.department, {m: [0, 0] for m in METRICS})
        figures[metric][0] += int(numerator)
        figures[metric][1] += 1

    for case in cases.values():
        for e in case.decided:
            if within(_moment(e["time"])):
                count(case, "timely_acceptance", _moment(e["time"]) <= _moment(e["due"]))
        if case.submitted and not case.split and within(_moment(case.submitted["time"])):
            count(case, "online_share", case.submitted.get("channel") == "online")
        reply = case.replied
        if reply is None or not within(_moment(reply["time"])):
            continue
        due = _moment(reply.get("due"))
        count(case, "on_time_closure", due is not None and _moment(reply["time"]) <= due)
        known = case.review_requested or case.rated or case.closed or now > _moment(reply["review_until"])
        if known:
            count(case, "first_time_resolution", not case.review_requested)
        if case.published and case.decision:
            adopted = case.decision in ADOPTED
            count(case, "adoption", adopted)
            if adopted:
                count(case, "conversion", case.converted)
    for suggestion, e in ratings:
        if within(_moment(e["time"])):
            count(cases[suggestion], "satisfaction", e["level"] in CONTENT)
    departments = {key: {m: tuple(v) for m, v in figures.items()} for key, figures in by_department.items()}
    overall = {m: (sum(d[m][0] for d in departments.values()), sum(d[m][1] for d in departments.values()))
               for m in METRICS}
    return overall, departments


# --- printing ---------------------------------------------------------------------------------

def rate_text(numerator: int, denominator: int) -> str:
    return f"{100 * numerator / denominator:.2f}%" if denominator else "—"


def report(overall: dict, departments: dict) -> str:
    rows = [("(all)", overall)] + [(key or "(no lead department)", departments[key])
                                   for key in sorted(departments, key=lambda k: (k is None, k or ""))]
    out = []
    for name, figures in rows:
        out.append(name)
        for metric in METRICS:
            numerator, denominator = figures[metric]
            out.append(f"  {metric:<22} {rate_text(numerator, denominator):>8}  {numerator}/{denominator}")
    return "\n".join(out)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="the portal's /opendata/events/ address, or a directory of day files")
    parser.add_argument("--year", type=int)
    parser.add_argument("--start", type=date.fromisoformat, help="first day, YYYY-MM-DD")
    parser.add_argument("--end", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    parser.add_argument("--now", type=datetime.fromisoformat,
                        help="the moment that decides whether a review window has passed (default: now)")
    args = parser.parse_args(argv)
    start, end = args.start, args.end
    if args.year and not (start or end):
        start, end = date(args.year, 1, 1), date(args.year, 12, 31)
    now = args.now
    if now is not None and now.tzinfo is None:
        now = datetime.combine(now.date(), now.time(), tzinfo=CHINA)
    try:
        if args.source.startswith(("http://", "https://")):
            index, files = download(args.source)
        else:
            index, files = None, read_directory(Path(args.source))
        events = verify_chain(files, index)
    except ChainError as error:
        print(f"The chain is broken at {error.day}: {error.reason}", file=sys.stderr)
        return 1
    last = max(files) if files else "—"
    print(f"{len(files)} day files, {len(events)} events, chain intact up to {last}.")
    print(report(*recompute(events, start=start, end=end, now=now)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
