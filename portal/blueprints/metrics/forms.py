"""The period and department filter of the metrics page (a GET form: bookmarkable, no CSRF)."""
from __future__ import annotations

from datetime import date
from typing import Optional

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import ValidationError

from portal.forms import PortalForm
from portal.services.metrics import year_bounds

FIRST_YEAR, LAST_YEAR = 1990, 2100


def parse_day(text: str) -> Optional[date]:
    text = (text or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(_l("Enter a date as year-month-day, for example 2025-06-30."))
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValidationError(_l("Enter a date between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR))
    return day


class PeriodForm(PortalForm):
    class Meta:
        csrf = False  # a read-only GET filter

    year = SelectField(_l("Year"), choices=[], validate_choice=False)
    start = StringField(_l("From"), render_kw={"type": "date"})
    end = StringField(_l("To"), render_kw={"type": "date"})
    department = SelectField(_l("Department"), choices=[], validate_choice=False)

    def validate_year(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a year from the list."))

    def validate_start(self, field):
        parse_day(field.data)

    def validate_end(self, field):
        end = parse_day(field.data)
        try:
            start = parse_day(self.start.data)
        except ValidationError:
            return  # reported on the start field
        if start and end and end < start:
            raise ValidationError(_l("The end date must not be before the start date."))

    def validate_department(self, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose a department from the list."))

    def period(self) -> tuple[Optional[date], Optional[date]]:
        """Dates, when given, take precedence over the year; nothing chosen means all records."""
        start, end = parse_day(self.start.data), parse_day(self.end.data)
        if start or end:
            return start, end
        if self.year.data:
            return year_bounds(int(self.year.data))
        return None, None

    def department_id(self) -> Optional[int]:
        return int(self.department.data) if self.department.data else None
