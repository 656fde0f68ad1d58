"""Quality review (评查) for the office: the checklist, the weekly samples and the scoring.

Views of the `office` blueprint, registered by importing this module from routes.py. Each POST
commits once; a refused move is a message on the page, never an error page.
"""
from __future__ import annotations

from typing import Optional

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import labels
from portal.blueprints.office import forms
from portal.blueprints.office.routes import bp, office_only
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.models import QualityCriterion, QualityReviewItem, QualitySample, ReviewState
from portal.services import handling, quality
from portal.services.quality import QualityError
from portal.timeutil import utcnow

QUALITY_ERRORS = {
    "not_now": _l("This review item is not waiting for that step."),
    "not_yours": _l("You may not take this step."),
    "week_not_over": _l("That week is not over yet: a week is sampled once all its replies are in."),
    "per_department_range": _l("Draw between 1 and 50 replies per department."),
    "no_criteria": _l("The checklist is empty: add criteria first."),
    "score_every_criterion": _l("Mark every criterion as passed or failed."),
    "findings_required": _l("Write the findings: the department needs to know what to correct."),
    "findings_too_long": _l("The text is too long (at most 4000 characters)."),
    "name_required": _l("Name the criterion."),
    "correction_required": _l("Describe the correction."),
}


def quality_message(error: QualityError) -> str:
    return str(QUALITY_ERRORS.get(error.code, _l("This action is not possible now.")))


def sample_size() -> int:
    return int(current_app.config.get("QUALITY_SAMPLE_SIZE", quality.DEFAULT_PER_DEPARTMENT))


@bp.get("/quality/")
@office_only
def quality_index():
    """Samples by week, the items waiting for the office, and the draw."""
    year, week = quality.last_full_week(utcnow())
    form = forms.QualityDrawForm(formdata=None, week=quality.week_label(year, week), per_department=sample_size())
    return render_quality_index(form)


def render_quality_index(form):
    samples = db.session.scalars(select(QualitySample).order_by(QualitySample.iso_year.desc(),
                                                                QualitySample.iso_week.desc())).all()
    waiting = db.session.scalars(select(QualityReviewItem).where(QualityReviewItem.state.in_(
        [ReviewState.AWAITING_REVIEW.value, ReviewState.CORRECTED.value])).order_by(QualityReviewItem.id)).all()
    returned = db.session.scalars(select(QualityReviewItem).where(
        QualityReviewItem.state == ReviewState.RETURNED.value).order_by(QualityReviewItem.correction_due)).all()
    return render_template("quality/office_index.html", samples=samples, waiting=waiting, returned=returned,
                           form=form, criteria_count=len(quality.criteria(db.session, active_only=True)),
                           week_label=quality.week_label, now=utcnow())


@bp.post("/quality/draw")
@office_only
def quality_draw():
    form = forms.QualityDrawForm()
    if not form.validate_on_submit():
        return render_quality_index(form)
    week = quality.parse_week(form.week.data)
    if week is None:
        form.week.errors.append(_("Write the week as year, “-W” and week number, for example 2026-W47."))
        return render_quality_index(form)
    done = attempt(lambda: quality.draw_sample(
        db.session, *week, form.per_department.data, current_user), QualityError, IntegrityError)
    if isinstance(done.error, QualityError):
        form.week.errors.append(quality_message(done.error))
        return render_quality_index(form)
    if done.ok:
        sample, new = done.value
    else:  # IntegrityError: a colleague drew the same week at the same moment, and theirs stands
        sample, new = quality.sample_for(db.session, *week), False
    if new:
        flash(_("The sample for %(week)s has been drawn: %(count)s replies.",
                week=quality.week_label(*week), count=len(sample.items)), "success")
    else:
        flash(_("The sample for %(week)s was drawn before; it is not drawn again.",
                week=quality.week_label(*week)), "info")
    return redirect(url_for("office.quality_sample", sample_id=sample.id))


@bp.get("/quality/samples/<id:sample_id>")
@office_only
def quality_sample(sample_id: int):
    sample = db.session.get(QualitySample, sample_id) or abort(404)
    return render_template("quality/sample.html", sample=sample, week=quality.week_label(sample.iso_year,
                                                                                       sample.iso_week))


def _scores_from(form_data) -> tuple[dict[int, bool], list[QualityCriterion]]:
    checklist = quality.criteria(db.session, active_only=True)
    results = {}
    for criterion in checklist:
        answer = form_data.get(f"criterion-{criterion.id}")
        if answer in ("pass", "fail"):
            results[criterion.id] = answer == "pass"
    return results, checklist


@bp.route("/quality/items/<id:review_id>", methods=["GET", "POST"])
@office_only
def quality_item(review_id: int):
    item = db.session.get(QualityReviewItem, review_id) or abort(404)
    form = forms.QualityScoreForm()
    results: dict[int, bool] = {}
    problem: Optional[str] = None
    if request.method == "POST":
        results, _checklist = _scores_from(request.form)
        if form.validate_on_submit():
            done = attempt(lambda: quality.score(db.session, item, current_user, results, form.findings.data),
                           QualityError)
            if not done.ok:
                problem = quality_message(done.error)
            else:
                flash(labels.review_action(done.value.action), "success")
                return redirect(url_for("office.quality_item", review_id=item.id))
        else:
            problem = _("Please correct the marked fields; what you typed has been kept.")
    return render_template("quality/office_item.html", item=item, form=form, problem=problem, results=results,
                           checklist=quality.criteria(db.session, active_only=True),
                           can_score="pass" in quality.allowed_actions(current_user, item)
                           or "recheck_pass" in quality.allowed_actions(current_user, item),
                           reply=handling.department_reply(item.suggestion),
                           failed=quality.failed_criteria(item), now=utcnow(), week_label=quality.week_label)


@bp.route("/quality/criteria", methods=["GET", "POST"])
@office_only
def quality_criteria():
    form = forms.QualityCriterionForm()
    if form.validate_on_submit():
        commit(lambda: quality.save_criterion(db.session, None, form.name.data, form.description.data,
                                              form.position.data, form.active.data))
        flash(_("Saved."), "success")
        return redirect(url_for("office.quality_criteria"))
    return render_template("quality/criteria.html", form=form, criteria=quality.criteria(db.session))


@bp.route("/quality/criteria/<id:criterion_id>", methods=["GET", "POST"])
@office_only
def quality_criterion_edit(criterion_id: int):
    """Edit or retire a criterion (unticking "In use"); past scores keep it."""
    criterion = db.session.get(QualityCriterion, criterion_id) or abort(404)
    form = forms.QualityCriterionForm(obj=criterion)
    if form.validate_on_submit():
        commit(lambda: quality.save_criterion(db.session, criterion, form.name.data, form.description.data,
                                              form.position.data, form.active.data))
        flash(_("Saved."), "success")
        return redirect(url_for("office.quality_criteria"))
    return render_template("quality/criterion_edit.html", form=form, criterion=criterion)
