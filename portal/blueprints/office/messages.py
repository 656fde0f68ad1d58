"""Translated messages for what the office's services refuse, and choice lists from reference tables."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from portal import labels
from portal.extensions import db
from portal.i18n import localized_name
from portal.models import Category, DeadlinePolicy, DeclineReason, Department, District
from portal.services.intake import IntakeError
from portal.services.workflow import TransitionNotAllowed


def intake_error_message(error: IntakeError) -> str:
    messages = {
        "not_office": lambda: _("Only the suggestion office can do this."),
        "reason_unknown": lambda: _("Choose one of the active reasons."),
        "message_required": lambda: _("Write a message to the author."),
        "question_required": lambda: _("Write the question for the author."),
        "channel_unknown": lambda: _("Choose how the resident brought the suggestion."),
        "missing_fields": lambda: _("The resident's name, a title and the problem are needed."),
        "policy_unknown": lambda: _("Choose one of the listed time limits."),
        "lead_invalid": lambda: _("Choose an active department other than the suggestion office as lead."),
        "co_invalid": lambda: _("Co-handling departments must be active departments other than the suggestion office."),
        "co_is_lead": lambda: _("The lead department cannot also be a co-handling department."),
        "co_repeated": lambda: _("Each co-handling department can be chosen once."),
        "reason_required": lambda: _("Give a reason."),
        "dispute_too_late": lambda: _("The time to dispute this dispatch ended on %(day)s.",
                                      day=error.params["last_day"].isoformat()),
        "not_lead_department": lambda: _("Only the lead department can ask for more time while it handles the suggestion."),
        "extension_days": lambda: _("An extension is between 1 and %(days)s days.", days=error.params["max_days"]),
        "extension_exists": lambda: _("This suggestion already had its one extension request."),
        "extension_decided": lambda: _("This request has already been decided."),
        "extension_not_open": lambda: _("The suggestion is no longer with the department; the request can only be refused."),
        "answer_required": lambda: _("Write the answer."),
        "decision_unknown": lambda: _("Choose one of the listed decisions."),
        "target_unknown": lambda: _("No suggestion has this tracking number."),
        "target_is_self": lambda: _("A suggestion cannot duplicate itself."),
        "target_closed_off": lambda: _("That suggestion is itself declined, withdrawn, split or a duplicate; choose the one it leads to."),
        "split_too_few": lambda: _("A split needs at least two parts."),
        "split_too_many": lambda: _("A split has at most %(most)s parts.", most=error.params["most"]),
        "split_part_incomplete": lambda: _("Every part needs a title and a problem."),
    }
    make = messages.get(error.code)
    return make() if make else _("This could not be done.")


def bulk_problem(code: str) -> str:
    """Why one item of a bulk accept or dispatch did not move."""
    messages = {
        "imported": lambda: _("it was imported from the previous system"),
        "not_submitted": lambda: _("it is not waiting to be accepted"),
        "not_accepted": lambda: _("it is not waiting to be dispatched"),
        "no_default_department": lambda: _("its category names no department; dispatch it from its own page"),
    }
    make = messages.get(code)
    return make() if make else _("this is not possible now")


def transition_message(error: TransitionNotAllowed) -> str:
    return _("This is not possible while the suggestion is “%(status)s”.", status=labels.status(error.status))


def category_choices(blank: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Category).where(Category.active.is_(True)).order_by(Category.id))
    return [(0, blank)] + [(c.id, localized_name(c)) for c in rows]


def district_choices(blank: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(District).where(District.active.is_(True)).order_by(District.id))
    return [(0, blank)] + [(d.id, localized_name(d)) for d in rows]


def department_choices() -> list[tuple[int, str]]:
    """Departments that can receive a dispatch: active, and not the office itself."""
    rows = db.session.scalars(select(Department).where(Department.active.is_(True), Department.is_office.is_(False))
                              .order_by(Department.id))
    return [(d.id, localized_name(d)) for d in rows]


def policy_choices(blank: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.id))
    return [(0, blank)] + [(p.id, p.name) for p in rows if not p.is_default]


def decline_reason_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(DeclineReason).where(DeclineReason.active.is_(True)).order_by(DeclineReason.id))
    return [(r.id, reason_name(r)) for r in rows]


def reason_name(reason: DeclineReason) -> str:
    return localized_name(reason)
