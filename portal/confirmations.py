"""A confirmation step before an action that cannot be taken back (withdraw, decline, reply, publish).

Without JavaScript: the first POST answers with a page that says what will happen, carrying what
was typed in hidden fields; its button posts the same form again with `confirmed=1`, and only then
does the view act. Views call `confirmed()` after validating the form and before acting.
"""
from __future__ import annotations

from typing import Sequence

from flask import render_template, request

SKIPPED_FIELDS = ("csrf_token", "confirmed", "submit")


def confirmed() -> bool:
    return request.form.get("confirmed") == "1"


def ask(title: str, consequences: Sequence[str], confirm_label: str, cancel_url: str,
        details: Sequence[tuple[str, str]] = ()):
    """The confirmation page: `consequences` say what will happen; `details` (label, text) show what
    will be sent; the typed fields go back unchanged."""
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in SKIPPED_FIELDS]
    return render_template("confirm.html", title=title, consequences=consequences, confirm_label=confirm_label,
                           cancel_url=cancel_url, details=details, fields=fields, action=request.path)
