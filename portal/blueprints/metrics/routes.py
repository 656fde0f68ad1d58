"""The public performance-metrics page: each figure with its definition, numerator and denominator."""
from __future__ import annotations

from datetime import date
from typing import Optional

from flask import Blueprint, render_template, request
from flask_babel import format_date, format_decimal, format_percent, gettext as _
from sqlalchemy import func, or_, select

from portal.blueprints.metrics.definitions import GENERAL_NOTES, METRICS, OVERDUE_DEFINITION
from portal.blueprints.metrics.forms import PeriodForm
from portal import caching, trend_charts
from portal.extensions import db
from portal.i18n import localized_name
from portal.models import Department, Suggestion
from portal.security import public
from portal.services import quality
from portal.services.metrics import (
    Metrics, Ratio, compute_by_department, compute_metrics, imported_count, overdue_now,
)
from portal.timeutil import local_date, utcnow

bp = Blueprint("metrics", __name__, url_prefix="/metrics")


def format_rate(ratio: Ratio) -> str:
    """99.99 %, in the reader's locale; "—" when there was nothing to count."""
    return "—" if ratio.rate is None else format_percent(ratio.rate, format="#,##0.00%")


def listed_departments() -> list[Department]:
    """Departments that receive suggestions, and any other that was ever a lead department."""
    leads = select(Suggestion.lead_department_id).where(Suggestion.lead_department_id.is_not(None)).distinct()
    departments = db.session.scalars(select(Department).where(or_(
        Department.id.in_(leads), (Department.is_office.is_(False)) & Department.active.is_(True))))
    return sorted(departments, key=lambda d: d.slug)


def quality_by_department(departments: list[Department]) -> list[tuple[Department, Ratio, Ratio]]:
    """Quality review (评查), all samples so far: (department, pass rate, correction rate)."""
    figures = quality.figures_by_department(db.session)
    rows = []
    for department in departments:
        f = figures.get(department.id, quality.QualityFigures())
        rows.append((department, Ratio(f.passed, f.scored), Ratio(f.corrected, f.failed)))
    return rows


def year_choices() -> list[tuple[str, str]]:
    first = db.session.scalar(select(func.min(Suggestion.submitted_at)))
    this_year = local_date(utcnow()).year
    first_year = min(local_date(first).year, this_year) if first else this_year
    return [(str(y), str(y)) for y in range(this_year, first_year - 1, -1)]


def describe_period(start: Optional[date], end: Optional[date]) -> str:
    if start and end and start.month == 1 and start.day == 1 and (end.month, end.day) == (12, 31) \
            and start.year == end.year:
        return _("the year %(year)s", year=start.year)
    if start and end:
        return _("%(start)s to %(end)s", start=format_date(start), end=format_date(end))
    if start:
        return _("since %(start)s", start=format_date(start))
    if end:
        return _("up to %(end)s", end=format_date(end))
    return _("all records")


def build_form(departments: list[Department]) -> PeriodForm:
    form = PeriodForm(formdata=request.args)
    form.year.choices = [("", _("All years"))] + year_choices()
    form.department.choices = [("", _("All departments"))] + [(str(d.id), localized_name(d)) for d in departments]
    return form


@bp.get("/")
@public
@caching.public_page
def index():
    departments = listed_departments()
    form = build_form(departments)
    context = dict(form=form, METRICS=METRICS, GENERAL_NOTES=GENERAL_NOTES, OVERDUE_DEFINITION=OVERDUE_DEFINITION,
                   format_rate=format_rate,
                   format_count=format_decimal, imported=imported_count(db.session))
    if request.args and not form.validate():
        return render_template("metrics/index.html", metrics=None, **context)
    start, end = form.period()
    department_id = form.department_id()
    rows = []
    if department_id is None:
        metrics, by_department = caching.remember(
            f"metrics:{start}:{end}", lambda: compute_by_department(db.session, start=start, end=end),
            generation_name="metrics", timeout=caching.METRICS_TIMEOUT)
        rows = [(d, by_department.get(d.id, Metrics())) for d in departments]
        if None in by_department:
            rows.append((None, by_department[None]))
        scope = _("All departments")
    else:
        metrics = caching.remember(
            f"metrics:{start}:{end}:{department_id}",
            lambda: compute_metrics(db.session, start=start, end=end, department_id=department_id),
            generation_name="metrics", timeout=caching.METRICS_TIMEOUT)
        scope = next(localized_name(d) for d in departments if d.id == department_id)
    trend_end = min(end, local_date(utcnow())) if end else local_date(utcnow())
    trends = trend_charts.monthly(trend_end, department_id, scope, "trend")
    comparisons = trend_charts.by_department(rows, describe_period(start, end), "compare")
    overdue = overdue_now(db.session, department_id=department_id)
    overdue_rows = [(d, overdue.get(d.id, 0)) for d in departments if department_id in (None, d.id)]
    period_args = {k: v for k, v in request.args.items() if k in ("year", "start", "end") and v}
    quality_rows = quality_by_department([d for d in departments if department_id in (None, d.id)])
    return render_template("metrics/index.html", metrics=metrics, rows=rows, scope=scope, department_id=department_id,
                           period=describe_period(start, end), period_args=period_args,
                           trends=trends, comparisons=comparisons, quality_rows=quality_rows,
                           overdue_rows=overdue_rows, office_overdue=overdue.get(None, 0),
                           csv_year=form.year.data if not (form.start.data or form.end.data) else None, **context)
