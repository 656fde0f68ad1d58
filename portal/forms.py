"""The base form: Flask-WTF with CSRF, plus recovery of text parked after an expired session."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from portal.drafts import recover_form
from portal.extensions import db


class PortalForm(FlaskForm):
    """Every form in the portal derives from this one.

    When a POST failed its CSRF check (the session expired while the person typed), the error
    page parked the text; the next time the same page is shown, the form comes back filled in.
    """

    def __init__(self, *args, **kwargs):
        if request and request.method == "GET" and "formdata" not in kwargs and not args:
            kept = recover_form(db.session, request.path)
            if kept is not None:
                db.session.commit()  # the draft is handed back once
                kwargs["formdata"] = MultiDict(kept)
                self.recovered = True
        super().__init__(*args, **kwargs)

    recovered = False
