"""The charts of the metrics page and the daily digest: 12-month trends and department comparisons.

Figures come from `services.metrics` (monthly: `compute_by_month`, a fixed number of grouped
queries); this module only turns them into `charts.Chart`s with translated titles and labels.
"""
from __future__ import annotations

from datetime import date
from typing import Optional

from babel.dates import format_skeleton
from flask_babel import format_decimal, format_percent, get_locale, gettext as _

from portal import caching
from portal.charts import BAR, HBAR, LINE, Chart, Point
from portal.extensions import db
from portal.i18n import localized_name
from portal.services.metrics import Metrics, Ratio, compute_by_month, month_starts

RATES = ("on_time_closure", "satisfaction", "conversion")


def _rate_text(ratio: Ratio) -> str:
    if ratio.rate is None:
        return "—"
    return f"{format_percent(ratio.rate, format='#,##0.00%')} ({format_decimal(ratio.numerator)} / " \
           f"{format_decimal(ratio.denominator)})"


def _percent_tick(value: float) -> str:
    return format_percent(value, format="#,##0%")


def _rate_titles() -> dict[str, str]:
    return {"on_time_closure": _("On-time closure rate"), "satisfaction": _("Satisfaction rate"),
            "conversion": _("Conversion rate")}


def monthly(last_day: date, department_id: Optional[int], scope: str, prefix: str) -> list[Chart]:
    """Volume, on-time closure, satisfaction and conversion for the 12 months up to `last_day`'s month."""
    months = month_starts(last_day)
    by_month = caching.remember(f"metrics-months:{months[-1]}:{department_id}",
                                lambda: compute_by_month(db.session, months, department_id=department_id),
                                generation_name="metrics", timeout=caching.METRICS_TIMEOUT)
    locale = get_locale()
    first, last = (format_skeleton("yMMM", m, locale=locale) for m in (months[0], months[-1]))

    def label(month: date) -> str:
        return format_skeleton("yMMM", month, locale=locale)

    def axis(month: date) -> str:
        return format_skeleton("MMM", month, locale=locale)

    charts = [Chart(
        id=f"{prefix}-volume", kind=BAR,
        title=_("Suggestions received per month: %(scope)s, %(first)s to %(last)s", scope=scope, first=first,
                last=last),
        description=_("Bar chart, one bar per month: the number of suggestions submitted through this portal in "
                      "that month. The table below gives the same figures."),
        points=[Point(label(m), metrics.online_share.denominator, format_decimal(metrics.online_share.denominator),
                      axis(m)) for m, metrics in by_month],
        label_header=_("Month"), value_header=_("Suggestions"),
        tick_text=lambda v: format_decimal(v) if v == int(v) else "")]
    for code in RATES:
        name = _rate_titles()[code]
        charts.append(Chart(
            id=f"{prefix}-{code}", kind=LINE, maximum=1.0, tick_text=_percent_tick,
            title=_("%(metric)s per month: %(scope)s, %(first)s to %(last)s", metric=name, scope=scope,
                    first=first, last=last),
            description=_("Line chart, one point per month with something to count; a month without any has no "
                          "point. The table below gives each rate with its numerator and denominator."),
            points=[Point(label(m), getattr(metrics, code).rate, _rate_text(getattr(metrics, code)), axis(m))
                    for m, metrics in by_month],
            label_header=_("Month"), value_header=name))
    return charts


def by_department(rows: list[tuple[object, Metrics]], period: str, prefix: str) -> list[Chart]:
    """Suggestions received and the on-time closure rate, one bar per lead department."""
    departments = [(d, m) for d, m in rows if d is not None]
    if not departments:
        return []
    name = _rate_titles()["on_time_closure"]
    return [
        Chart(id=f"{prefix}-department-volume", kind=HBAR,
              title=_("Suggestions received by lead department, %(period)s", period=period),
              description=_("Bar chart, one bar per department: suggestions submitted in the period that this "
                            "department leads. The table below gives the same figures."),
              points=[Point(localized_name(d), m.online_share.denominator,
                            format_decimal(m.online_share.denominator)) for d, m in departments],
              label_header=_("Department"), value_header=_("Suggestions"),
              tick_text=lambda v: format_decimal(v) if v == int(v) else ""),
        Chart(id=f"{prefix}-department-on-time", kind=HBAR, maximum=1.0, tick_text=_percent_tick,
              title=_("%(metric)s by lead department, %(period)s", metric=name, period=period),
              description=_("Bar chart, one bar per department; a department with no reply in the period has no "
                            "bar. The table below gives each rate with its numerator and denominator."),
              points=[Point(localized_name(d), m.on_time_closure.rate, _rate_text(m.on_time_closure))
                      for d, m in departments],
              label_header=_("Department"), value_header=name),
    ]
