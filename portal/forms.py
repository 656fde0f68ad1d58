"""The base form: Flask-WTF with CSRF, recovery of text parked after an expired session, and
guards against input no person types: files or JSON where text is expected, NUL bytes, dates
outside any plausible range."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import Iterator

from babel import support
from flask import request
from flask_babel import gettext as _
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from wtforms import Field
from wtforms.fields import DateTimeField, FieldList, FormField, IntegerField
from wtforms.i18n import messages_path

from portal.drafts import recover_form
from portal.inputs import EARLIEST_DATE, LATEST_DATE, within_date_range

SUBMIT_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# The largest whole number a form takes: an INTEGER column on every database, and small enough
# for WTForms' NumberRange (which converts to float and overflows on a 40-digit number).
LARGEST_FORM_INTEGER = 2**31 - 1
# Control characters no keyboard produces; PostgreSQL refuses NUL in text outright.
_INVISIBLE_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# Every staff step labels its text fields with one of these, so a clerk always knows who reads what.
INTERNAL_NOTE = _l("Internal note — only staff see this")
MESSAGE_TO_AUTHOR = _l("Message to the author")
PUBLISHED_TEXT = _l("Published text")


class PortalForm(FlaskForm):
    """Every form in the portal derives from this one.

    When a POST failed its CSRF check (the session expired while the person typed), the error
    page parked the text; the next time the same page is shown, the form comes back filled in.

    A submitted form reads typed text only. Flask-WTF would also read uploaded files and JSON
    bodies into the fields, where the code expects strings; here a file is refused with a message
    on its field while the rest of what was typed stays in the form.
    """

    recovered = False

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            # Flask-WTF reads WTForms' own catalog from disk again in every request that builds a form.
            return _wtforms_catalog(str(get_locale()))

    def __init__(self, *args, **kwargs):
        refused: list[str] = []
        if request and "formdata" not in kwargs and not args:
            if request.method == "GET":
                kept = recover_form(request.path)  # handed back once
                if kept is not None:
                    kwargs["formdata"] = MultiDict(kept)
                    self.recovered = True
            elif request.method in SUBMIT_METHODS:
                refused = sorted(set(request.files))
                kwargs["formdata"] = _typed_text(request.form) if request.form else None
        super().__init__(*args, **kwargs)
        self.refused_files = [self._fields[name] for name in refused if name in self._fields]
        # Read as "no date" so no validator or view computes with year 1 or 99999 (time-zone
        # arithmetic overflows); the message replaces "required" after validation.
        self.implausible_dates = list(_fields_where(self, _implausible_date))
        self.huge_numbers = list(_fields_where(self, _huge_number))
        for field in self.implausible_dates + self.huge_numbers:
            field.data = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self.refused_files:
            field.errors.append(_("Files cannot be sent here; please type the text instead."))
        for field in self.implausible_dates:
            field.errors[:] = [_("Enter a date between %(first)s and %(last)s.",
                                 first=EARLIEST_DATE.year, last=LATEST_DATE.year)]
        for field in self.huge_numbers:
            field.errors[:] = [_("Enter a smaller number.")]
        return valid and not self.refused_files and not self.implausible_dates and not self.huge_numbers


@lru_cache(maxsize=8)
def _wtforms_catalog(locale: str) -> support.Translations:
    """WTForms' built-in messages ("Not a valid integer value.") in `locale`, read once a process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


def _typed_text(form: ImmutableMultiDict) -> ImmutableMultiDict:
    return ImmutableMultiDict([(key, _INVISIBLE_CONTROLS.sub("", value)) for key, value in form.items(multi=True)])


def _fields_where(form, wrong) -> Iterator[Field]:
    """Fields, in subforms too, for which `wrong(field)` holds."""
    for field in form:
        if isinstance(field, FormField):
            yield from _fields_where(field.form, wrong)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    yield from _fields_where(entry.form, wrong)
        elif wrong(field):
            yield field


def _implausible_date(field: Field) -> bool:
    """A date typed outside EARLIEST_DATE..LATEST_DATE."""
    return (isinstance(field, DateTimeField) and bool(field.raw_data) and isinstance(field.data, date)
            and not within_date_range(field.data))


def _huge_number(field: Field) -> bool:
    return isinstance(field, IntegerField) and isinstance(field.data, int) and abs(field.data) > LARGEST_FORM_INTEGER
