"""Performance metrics from the portal's own records, checked against figures worked out by hand
(tests/metrics_world.py lists the suggestions and why each counts as it does)."""
from __future__ import annotations

from datetime import date, timedelta

from portal.extensions import db
from portal.models import DeadlinePolicy, Role
from portal.services import workflow
from portal.services.metrics import Ratio, compute_by_department, compute_metrics
from tests import metrics_world
from tests.metrics_world import NOW, on, year_2025


def _figures(metrics) -> dict[str, tuple[int, int]]:
    return {code: (ratio.numerator, ratio.denominator) for code, ratio in metrics.items()}


def test_overall_figures_for_the_year(app, factory):
    metrics_world.build(factory)
    metrics = compute_metrics(db.session, department_id=None, **year_2025())
    assert _figures(metrics) == {
        "timely_acceptance": (6, 8),      # S2 accepted and S7 declined after 15 days
        "on_time_closure": (4, 5),        # S2 late; S3 on time only thanks to its 30-day extension
        "first_time_resolution": (3, 4),  # S2 went to review; S5 is still within its review window
        "adoption": (2, 4),               # S4's decision is unpublished, so left out
        "conversion": (1, 2),             # of S1 and S2, only S1 became something
        "satisfaction": (2, 3),
        "online_share": (5, 8),           # S8 was submitted in 2024
    }
    assert metrics.timely_acceptance.rate == 0.75


def test_per_department_figures_add_up_to_the_total(app, factory):
    world = metrics_world.build(factory)
    overall, by_department = compute_by_department(db.session, **year_2025())
    housing = by_department[world.housing.id]
    transport = by_department[world.transport.id]
    assert _figures(housing) == {
        "timely_acceptance": (3, 4), "on_time_closure": (2, 3), "first_time_resolution": (1, 2),
        "adoption": (2, 3), "conversion": (1, 2), "satisfaction": (1, 2), "online_share": (2, 3),
    }
    assert _figures(transport) == {
        "timely_acceptance": (2, 2), "on_time_closure": (2, 2), "first_time_resolution": (2, 2),
        "adoption": (0, 1), "conversion": (0, 0), "satisfaction": (1, 1), "online_share": (1, 2),
    }
    # Declined and waiting suggestions have no lead department.
    assert by_department[None].timely_acceptance == Ratio(1, 2)
    assert transport.conversion.rate is None
    assert _figures(overall) == _figures(compute_metrics(db.session, **year_2025()))
    # The department filter gives the same figures as the per-department table.
    filtered = compute_metrics(db.session, department_id=world.housing.id, **year_2025())
    assert _figures(filtered) == _figures(housing)


def test_period_is_the_date_of_the_completing_event(app, factory):
    metrics_world.build(factory)
    # S8 was submitted in 2024 but accepted in 2025: it counts for submissions in 2024 only.
    last_year = compute_metrics(db.session, start=date(2024, 1, 1), end=date(2024, 12, 31), now=NOW)
    assert _figures(last_year)["online_share"] == (1, 1)
    assert last_year.timely_acceptance == Ratio(0, 0) and last_year.timely_acceptance.rate is None
    # Only the first quarter: S6/S7 declined in February, S1 accepted in March, S2 late in March.
    first_quarter = compute_metrics(db.session, start=date(2025, 1, 1), end=date(2025, 3, 31), now=NOW)
    assert first_quarter.timely_acceptance == Ratio(3, 5)
    assert first_quarter.on_time_closure == Ratio(0, 0)
    # The end day is included, by the date in Shanghai: S1's reply on 10 April.
    assert compute_metrics(db.session, start=date(2025, 4, 10), end=date(2025, 4, 10), now=NOW).on_time_closure \
        == Ratio(1, 1)


def test_review_window_decides_when_first_time_resolution_is_known(app, factory):
    world = metrics_world.build(factory)
    # S5 was answered on 20 December; a month later its review window has closed unused.
    later = compute_metrics(db.session, now=on("2026-01-25"), **{k: v for k, v in year_2025().items() if k != "now"})
    assert later.first_time_resolution == Ratio(4, 5)
    # And a rating settles it at once, whatever the clock says.
    s5 = world.suggestions["S5"]
    reply = s5.replies[0]
    from portal.models import Rating
    db.session.add(Rating(reply=reply, suggestion_id=s5.id, level="satisfied", created_at=on("2025-12-21")))
    db.session.commit()
    assert compute_metrics(db.session, **year_2025()).first_time_resolution == Ratio(4, 5)


def test_fast_track_policy_is_applied_per_suggestion(app, factory):
    world = metrics_world.build(factory)
    fast = db.session.query(DeadlinePolicy).filter_by(code="fast-track").one()
    office = world.office
    late = factory.suggestion(title="路灯不亮")
    late.policy = fast
    late.submitted_at = on("2025-07-01", 9)
    event = workflow.apply_transition(db.session, late, "accept", office)
    event.created_at = late.accepted_at = on("2025-07-01", 9) + timedelta(minutes=20)  # 10 minutes allowed
    db.session.commit()
    july = compute_metrics(db.session, start=date(2025, 7, 1), end=date(2025, 7, 31), now=NOW)
    assert july.timely_acceptance == Ratio(0, 1)


def test_empty_database_divides_by_nothing(app):
    metrics = compute_metrics(db.session, start=None, end=None, department_id=None)
    assert all(ratio == Ratio(0, 0) and ratio.rate is None for _code, ratio in metrics.items())


def test_department_without_suggestions_has_no_figures(app, factory):
    """A department with staff but no suggestions simply has no row of its own."""
    metrics_world.build(factory)
    empty = factory.department("统计局")
    factory.user(Role.DEPARTMENT_STAFF, department=empty)
    _overall, by_department = compute_by_department(db.session, **year_2025())
    assert empty.id not in by_department
    assert compute_metrics(db.session, department_id=empty.id, **year_2025()).adoption.rate is None


def test_grouped_counting_agrees_with_the_deadlines_service_row_by_row(app, factory):
    """The grouped queries must judge every suggestion as `deadlines` does on the real object,
    including times just before and after local midnight, extensions and wide support."""
    import random
    from datetime import datetime, timezone

    from portal.services import deadlines
    from portal.services.demo import load_reference_data

    load_reference_data(db.session)
    rng = random.Random(7)
    office = factory.user(Role.OFFICE_STAFF)
    department = factory.department()
    staff = factory.user(Role.DEPARTMENT_STAFF, department=department)
    fast = db.session.query(DeadlinePolicy).filter_by(code="fast-track").one()
    expected = {"acc": [0, 0], "reply": [0, 0], "first": [0, 0]}
    now = datetime(2025, 9, 1, 3, tzinfo=timezone.utc)
    for n in range(80):
        s = factory.suggestion(title=f"建议{n}")
        s.policy = fast if n % 9 == 0 else None
        # Times straddling midnight in Shanghai (16:00 UTC) make the local date matter.
        s.submitted_at = datetime(2025, 3, 1, tzinfo=timezone.utc) + timedelta(
            days=rng.randrange(60), hours=rng.choice([15, 16, 17]), minutes=rng.choice([0, 30, 59]))
        event = workflow.apply_transition(db.session, s, "accept", office)
        event.created_at = s.accepted_at = s.submitted_at + timedelta(
            days=rng.choice([14, 15, 16]), minutes=rng.choice([-59, 5, 25, 600]))
        expected["acc"][1] += 1
        expected["acc"][0] += s.accepted_at <= deadlines.accept_due(db.session, s)
        if n % 4 == 3:
            continue
        s.lead_department = department
        workflow.apply_transition(db.session, s, "dispatch", office)
        s.extension_days = rng.choice([0, 0, 10, 30])
        if n % 5 == 0:
            s.widely_supported_at = s.accepted_at + timedelta(days=rng.randrange(40), hours=rng.randrange(24))
        workflow.apply_transition(db.session, s, "reply", staff)
        s.replied_at = s.accepted_at + timedelta(days=rng.choice([29, 30, 31, 59, 60, 61, 89, 90, 91]),
                                                 hours=rng.choice([-3, 0, 3, 9]))
        expected["reply"][1] += 1
        expected["reply"][0] += s.replied_at <= deadlines.reply_due(db.session, s)
        if now > deadlines.after_days(s.replied_at, deadlines.policy_for(db.session, s).review_request_days):
            expected["first"] = [expected["first"][0] + 1, expected["first"][1] + 1]
    db.session.commit()
    metrics = compute_metrics(db.session, now=now)
    assert metrics.timely_acceptance == Ratio(*expected["acc"])
    assert metrics.on_time_closure == Ratio(*expected["reply"])
    assert metrics.first_time_resolution == Ratio(*expected["first"])
    # The sample is only useful if it contains both verdicts.
    assert 0 < expected["acc"][0] < expected["acc"][1] and 0 < expected["reply"][0] < expected["reply"][1]
    assert 0 < expected["first"][1] < expected["reply"][1]
