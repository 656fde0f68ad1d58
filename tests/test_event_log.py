"""The public event log: what each day's file holds, that the chain catches any edit, and that
tools/recompute_metrics.py, reading only the served files, prints the metrics page's figures.

The metrics world (tests/metrics_world.py) happened in 2025; its events are written into their own
days, as history loaders may (EVENT_LOG_BACKFILL), and every 2025 day is long closed.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Department, PublicEvent, Role, Suggestion
from portal.services import event_log, intake, workflow
from portal.services.metrics import compute_by_department
from portal.timeutil import local_date, utcnow
from tests import metrics_world
from tests.metrics_world import AUTHOR_NAME, NOW, PLANTED_PHONE, PUBLISHED_REPLY, on, year_2025

_spec = importlib.util.spec_from_file_location(
    "recompute_metrics", Path(__file__).resolve().parents[1] / "tools" / "recompute_metrics.py")
tool = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = tool  # dataclasses look their module up
_spec.loader.exec_module(tool)


@pytest.fixture
def app_config(app_config):
    # A reader downloads one file per day: about 700 here.
    return {**app_config, "EVENT_LOG_BACKFILL": True, "RATELIMIT_EVENT_LOG_ADDRESS": "5000 per hour"}


def served(client) -> tuple[dict, dict[str, bytes]]:
    """What a reader downloads: the index and every day's file."""
    response = client.get("/opendata/events/index.json")
    assert response.status_code == 200
    index = response.get_json()
    files = {}
    for entry in index["days"]:
        day_file = client.get(f"/opendata/events/{entry['day']}.jsonl")
        assert day_file.status_code == 200 and day_file.mimetype == "application/x-ndjson"
        files[entry["day"]] = day_file.data
    return index, files


def figures(metrics) -> dict[str, tuple[int, int]]:
    return {code: (ratio.numerator, ratio.denominator) for code, ratio in metrics.items()}


def test_the_script_prints_the_metrics_pages_figures_from_the_served_files(app, client, factory):
    world = metrics_world.build(factory)
    index, files = served(client)
    events = tool.verify_chain(files, index)

    overall, by_department = tool.recompute(events, start=date(2025, 1, 1), end=date(2025, 12, 31), now=NOW)
    assert overall == {
        "timely_acceptance": (6, 8), "on_time_closure": (4, 5), "first_time_resolution": (3, 4),
        "adoption": (2, 4), "conversion": (1, 2), "satisfaction": (2, 3), "online_share": (5, 8),
    }
    assert by_department["housing"] == {
        "timely_acceptance": (3, 4), "on_time_closure": (2, 3), "first_time_resolution": (1, 2),
        "adoption": (2, 3), "conversion": (1, 2), "satisfaction": (1, 2), "online_share": (2, 3),
    }
    assert by_department["transport"] == {
        "timely_acceptance": (2, 2), "on_time_closure": (2, 2), "first_time_resolution": (2, 2),
        "adoption": (0, 1), "conversion": (0, 0), "satisfaction": (1, 1), "online_share": (1, 2),
    }
    assert by_department[None]["timely_acceptance"] == (1, 2)

    # The same figures as the metrics page computes from the database, department by department.
    page_overall, page_by_department = compute_by_department(db.session, **year_2025())
    assert overall == figures(page_overall)
    slugs = {d.id: d.slug for d in db.session.query(Department)}
    assert {slugs.get(key): figures(m) for key, m in page_by_department.items()} == by_department

    # Other periods and clocks agree too: S8 was submitted in 2024; a month later S5's review window is over.
    assert tool.recompute(events, start=date(2024, 1, 1), end=date(2024, 12, 31), now=NOW)[0]["online_share"] \
        == (1, 1)
    assert tool.recompute(events, start=date(2025, 1, 1), end=date(2025, 3, 31), now=NOW)[0][
        "timely_acceptance"] == (3, 5)
    later = tool.recompute(events, start=date(2025, 1, 1), end=date(2025, 12, 31), now=on("2026-01-25"))[0]
    assert later["first_time_resolution"] == (4, 5)

    # And the page itself, which counts with today's clock, shows what the script prints today.
    page = client.get("/metrics/?year=2025", headers={"Accept-Language": "en"}).get_data(as_text=True)
    today = tool.recompute(events, start=date(2025, 1, 1), end=date(2025, 12, 31))[0]
    for code, (numerator, denominator) in today.items():
        row = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.search(
            rf'<tr id="metric-{code}">(.*?)</tr>', page, re.S).group(1)))
        assert f" {tool.rate_text(numerator, denominator)} {numerator} " in row
        assert f" {denominator} " in row
    assert today["first_time_resolution"] == (4, 5)  # S5's review window has closed since
    assert 'href="/opendata/events/"' in page


def test_the_script_runs_from_a_directory_and_prints_the_figures(app, client, factory, tmp_path, capsys):
    metrics_world.build(factory)
    _, files = served(client)
    for day, content in files.items():
        (tmp_path / f"{day}.jsonl").write_bytes(content)
    assert tool.main([str(tmp_path), "--year", "2025", "--now", "2025-12-31T12:00:00+08:00"]) == 0
    printed = capsys.readouterr().out
    assert "chain intact" in printed
    assert "timely_acceptance        75.00%  6/8" in printed
    assert "online_share             62.50%  5/8" in printed
    assert "transport" in printed and "conversion                    —  0/0" in printed


def test_a_day_file_holds_codes_and_times_only(app, client, factory):
    metrics_world.build(factory)
    _, files = served(client)
    # 5 March 2025: S1 accepted at 10:00 and dispatched at 11:00 (Shanghai).
    head, *lines = [json.loads(line) for line in files["2025-03-05"].decode().splitlines()]
    assert head == {"day": "2025-03-05", "events": 2, "previous_sha256": head["previous_sha256"], "version": 1}
    assert len(head["previous_sha256"]) == 64
    s1 = lines[0]["suggestion"]
    assert [{k: v for k, v in line.items() if k != "seq"} for line in lines] == [
        {"type": "accepted", "time": "2025-03-05T10:00:00.000000+08:00", "suggestion": s1,
         "tracking_number": "M000001", "channel": "online", "submitted_at": "2025-03-01T10:00:00.000000+08:00",
         "due": "2025-03-16T23:59:59.999999+08:00"},
        {"type": "dispatched", "time": "2025-03-05T11:00:00.000000+08:00", "suggestion": s1,
         "department": "housing"},
    ]
    assert lines[0]["seq"] < lines[1]["seq"]
    # S4's decision was never published: its reply is logged, its decision is not.
    s4_lines = [json.loads(line) for line in files["2025-07-01"].decode().splitlines()[1:]]
    assert [(e["type"], e.get("decision")) for e in s4_lines] == [("replied", None)]
    everything = b"".join(files.values()).decode()
    for private in (AUTHOR_NAME, PLANTED_PHONE, PUBLISHED_REPLY, metrics_world.DECLINED_TITLE, "受理员"):
        assert private not in everything
    # The declined suggestion is named by its number only, never by its tracking number.
    assert "M000006" not in everything and "M000007" not in everything


def test_editing_or_removing_any_event_breaks_the_chain_at_that_day(app, client, factory):
    metrics_world.build(factory)
    index, files = served(client)
    assert tool.verify_chain(files)  # intact

    edited = dict(files)
    edited["2025-04-10"] = files["2025-04-10"].replace(b'"decision":"adopted"', b'"decision":"not_adopted"')
    assert edited["2025-04-10"] != files["2025-04-10"]
    with pytest.raises(tool.ChainError) as error:
        tool.verify_chain(edited)
    assert error.value.day == "2025-04-10"
    assert "2025-04-11" in error.value.reason

    # Removing a line and correcting the count in the header does not help.
    head, *lines, last = files["2025-03-05"].decode().split("\n")[:-1] + [""]
    header = json.loads(head)
    forged = json.dumps({**header, "events": header["events"] - 1}, ensure_ascii=False, sort_keys=True,
                        separators=(",", ":"))
    removed = dict(files, **{"2025-03-05": "".join(f"{line}\n" for line in [forged, *lines[:-1]]).encode()})
    with pytest.raises(tool.ChainError) as error:
        tool.verify_chain(removed)
    assert error.value.day == "2025-03-05"

    # The last day has no successor: the hashes the portal publishes catch it.
    last_day = max(files)
    tampered = dict(files, **{last_day: files[last_day] + b'{"type":"rated"}\n'})
    with pytest.raises(tool.ChainError) as error:
        tool.verify_chain(tampered, index)
    assert error.value.day == last_day

    # A missing day is noticed too.
    gap = {day: content for day, content in files.items() if day != "2025-06-15"}
    with pytest.raises(tool.ChainError) as error:
        tool.verify_chain(gap)
    assert error.value.day == "2025-06-15"


def test_a_closed_day_never_changes(app, client, factory):
    app.config["EVENT_LOG_BACKFILL"] = False
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    # The factory's suggestion was submitted three days ago, but its event is written now: into today.
    suggestion = factory.suggestion(factory.resident(), title="夜间公交线路建议")
    db.session.commit()
    today = local_date(utcnow())
    submitted = db.session.query(PublicEvent).one()
    assert submitted.day == today
    assert json.loads(submitted.line)["time"] == event_log.rfc3339(suggestion.submitted_at)
    # Today's file is not published; nothing is served before the first day closes.
    assert client.get("/opendata/events/index.json").get_json()["days"] == []
    assert client.get(f"/opendata/events/{today.isoformat()}.jsonl").status_code == 404

    # A change dated on a closed day (a late commit) goes into the open day and keeps its own time.
    intake.accept(db.session, suggestion, office)
    two_days_ago = utcnow() - timedelta(days=2)
    suggestion.accepted_at = two_days_ago
    db.session.commit()
    accepted = db.session.query(PublicEvent).order_by(PublicEvent.id.desc()).first()
    assert accepted.day == today
    assert json.loads(accepted.line)["type"] == "accepted"
    assert json.loads(accepted.line)["time"] == event_log.rfc3339(two_days_ago)

    # Written lines are never updated nor deleted.
    accepted.line = accepted.line.replace("accepted", "declined")
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(PublicEvent, accepted.id))
    with pytest.raises(ValueError, match="append-only"):
        db.session.commit()
    db.session.rollback()


def test_rolled_back_changes_and_imported_history_leave_no_line(app, factory):
    office = factory.user(Role.OFFICE_STAFF)
    suggestion = factory.suggestion(factory.resident(), title="增设公交站台")
    db.session.commit()
    before = db.session.query(PublicEvent).count()
    workflow.apply_transition(db.session, suggestion, "accept", office)
    db.session.rollback()
    db.session.add(Suggestion(tracking_number="IMP0001", title="历史建议", problem="历史", imported=True,
                              channel="import", status="closed", submitted_at=on("2019-05-01")))
    db.session.commit()
    assert db.session.query(PublicEvent).count() == before


@pytest.mark.parametrize("day", ["2025-13-01", "yesterday", "2025-1-1", "９９９９-01-01", "2999-01-01"])
def test_unknown_days_answer_not_found(client, day):
    assert client.get(f"/opendata/events/{day}.jsonl").status_code == 404


def test_the_event_log_page_lists_the_days_and_is_linked_from_open_data(app, client, factory):
    metrics_world.build(factory)
    page = client.get("/opendata/events/").get_data(as_text=True)
    index = client.get("/opendata/events/index.json").get_json()
    first, yesterday = index["days"][0], index["days"][-1]
    assert first["day"] == "2024-12-20" and first["previous_sha256"] is None
    assert yesterday["day"] == (local_date(utcnow() - event_log.CLOSING_GRACE) - timedelta(days=1)).isoformat()
    assert f'href="/opendata/events/2025-03-05.jsonl"' in page
    assert index["days"][75]["sha256"] in page
    assert 'href="/opendata/events/"' in client.get("/opendata/").get_data(as_text=True)


def test_downloads_are_rate_limited_per_address(app, client):
    app.config["RATELIMIT_EVENT_LOG_ADDRESS"] = "2 per hour"
    assert client.get("/opendata/events/index.json").status_code == 200
    assert client.get("/opendata/events/").status_code == 200
    assert client.get("/opendata/events/index.json").status_code == 429


def test_a_passed_staff_deadline_is_reported_once(app, factory, runner):
    waiting = factory.suggestion(factory.resident(), title="等待受理的建议")
    waiting.submitted_at = utcnow() - timedelta(days=20)  # accept within 15 days: overdue
    factory.suggestion(factory.resident(), title="刚提交的建议")  # three days old: not overdue
    db.session.commit()
    assert waiting.due_at is not None and waiting.due_at < utcnow()

    result = runner.invoke(args=["events", "overdue"])
    assert result.exit_code == 0 and "1 overdue events written" in result.output
    overdue = [json.loads(e.line) for e in db.session.query(PublicEvent) if '"overdue"' in e.line]
    assert [{k: v for k, v in e.items() if k != "seq"} for e in overdue] == [
        {"type": "overdue", "suggestion": waiting.id, "deadline": "accept", "time": event_log.rfc3339(waiting.due_at)}]
    # The same deadline is not reported twice.
    assert "0 overdue events written" in runner.invoke(args=["events", "overdue"]).output


def test_a_garbled_file_is_named_not_crashed_on(app, client, factory):
    metrics_world.build(factory)
    _, files = served(client)
    for garbage in (b"", b"not json\n", b'{"events":0}\n', b'["a list"]\n'):
        with pytest.raises(tool.ChainError) as error:
            tool.verify_chain(dict(files, **{"2025-05-01": garbage}))
        assert error.value.day == "2025-05-01"


def test_the_script_agrees_through_disputes_splits_merges_and_reviews(app, factory):
    """Through the real services, today: a dispute and a re-dispatch, a review that changes the
    decision, a conversion, a split, a merge and a decline. Read the lines as stored (today's file
    is not served yet) and compare with the metrics over all time."""
    from portal.models import DeclineReason, Status
    from portal.services import handling, intake_merge
    from portal.services import suggestions as suggestion_service

    session = db.session
    housing, transport = factory.department(slug="housing"), factory.department(slug="transport")
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    author = factory.resident(name="张三丰")
    housing_staff, transport_staff = factory.department_staff(housing), factory.department_staff(transport)

    disputed = factory.suggestion(author, status=Status.DISPATCHED, lead_department=housing, office=office)
    intake.dispute_dispatch(session, disputed, housing_staff, "不属于本局职责", utcnow())
    intake.dispatch(session, disputed, office, transport)
    handling.give_reply(session, disputed, transport_staff, "adopted", "经研究，采纳该建议，将开通夜班公交线路。")
    handling.record_conversion(session, disputed, transport_staff, "public_welfare", "推出夜班公交",
                               date(2025, 8, 1), [])
    handling.publish(session, disputed, transport_staff)
    session.commit()
    suggestion_service.rate(session, disputed, author, "dissatisfied")
    suggestion_service.request_review(session, disputed, author, "答复不具体")
    intake.answer_review(session, disputed, office, "复查后改为留作参考。", decision="for_reference")
    session.commit()

    answered = factory.suggestion(author, status=Status.REPLIED, lead_department=housing, office=office)
    handling.publish(session, answered, factory.department_staff(housing))
    suggestion_service.rate(session, answered, author, "satisfied")
    session.commit()

    several = factory.suggestion(author, title="两项诉求")
    parts = intake_merge.split(session, several, office, [intake_merge.SplitPart("诉求一", "内容一"),
                                                          intake_merge.SplitPart("诉求二", "内容二")])
    intake.accept(session, parts[0], office)
    reason = DeclineReason(code="unclear", name="内容不明确", active=True)
    session.add(reason)
    intake.decline(session, parts[1], office, reason, "请补充具体内容。")
    duplicate = factory.suggestion(author, title="重复的建议")
    intake.accept(session, duplicate, office)
    intake_merge.mark_duplicate(session, duplicate, answered, office)
    session.commit()

    events = [json.loads(e.line) for e in session.query(PublicEvent).order_by(PublicEvent.id)]
    assert {"returned", "split", "merged", "declined", "review_answered", "converted"} <= {e["type"] for e in events}
    overall, by_department = tool.recompute(events)
    page_overall, page_by_department = compute_by_department(session)
    assert overall == figures(page_overall)
    slugs = {d.id: d.slug for d in session.query(Department)}
    assert {slugs.get(key): figures(m) for key, m in page_by_department.items()} == by_department
    # Written here so that a change in either is noticed: the disputed suggestion counts for transport,
    # its adoption follows the review answer, and the split original counts as its two parts.
    assert by_department["transport"]["adoption"] == (0, 1)
    assert overall["online_share"] == (5, 5)  # the split original is left out, its two parts count
    assert overall["timely_acceptance"] == (5, 5)
    assert overall["satisfaction"] == (1, 2)
    private = "\n".join(e.line for e in session.query(PublicEvent))
    assert "张三丰" not in private and "不属于本局职责" not in private and "内容不明确" not in private
