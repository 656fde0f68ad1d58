"""Saved views of a work queue, shared by the office queue and the department workbench.

Each blueprint declares its own two routes (with its own access rule) and calls these helpers,
so saving and deleting behave the same in both places: one commit, a flashed message, back to
the queue with the saved filters.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.attempt import attempt
from portal.extensions import db
from portal.forms import PortalForm
from portal.services import work_queues

ERRORS = {
    "name_required": _l("Give the view a name."),
    "too_many": _l("You have the most saved views allowed; delete one first."),
    "not_yours": _l("This saved view does not exist."),
}


class SavedViewForm(PortalForm):
    name = StringField(_l("Name of this view"), validators=[DataRequired(), Length(max=60)])
    query = HiddenField(validators=[Length(max=1000)])
    submit = SubmitField(_l("Save this view"))


def save(scope: str, endpoint: str):
    form = SavedViewForm()
    args = dict(parse_qsl(form.query.data or ""))
    if not form.validate_on_submit():
        flash(str(ERRORS["name_required"]), "error")
        return redirect(url_for(endpoint, **work_queues.QueueFilters.from_args(args).args()))
    done = attempt(lambda: work_queues.save_view(
        db.session, current_user, scope, form.name.data, args), work_queues.SavedViewError)
    if not done.ok:
        flash(str(ERRORS[done.error.code]), "error")
        return redirect(url_for(endpoint))
    flash(_("The view “%(name)s” has been saved.", name=done.value.name), "success")
    return redirect(url_for(endpoint, **dict(parse_qsl(done.value.query))))


def delete(view_id: int, endpoint: str):
    done = attempt(lambda: work_queues.delete_view(db.session, current_user, view_id), work_queues.SavedViewError)
    if not done.ok:
        flash(str(ERRORS[done.error.code]), "error")
    else:
        flash(_("The saved view has been deleted."), "success")
    return redirect(url_for(endpoint))


def links(scope: str) -> list[tuple[object, dict[str, str]]]:
    """The user's saved views with their filters as URL arguments."""
    return [(view, dict(parse_qsl(view.query))) for view in work_queues.saved_views(db.session, current_user, scope)]
