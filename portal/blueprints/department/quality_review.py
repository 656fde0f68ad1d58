"""Quality review (评查) from the department's side: its sampled replies, and the corrections the
office asked for. Another department's review items do not exist for it (404).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from portal.blueprints.department.forms import CorrectionForm
from portal.blueprints.office.quality import quality_message
from portal.blueprints.department.routes import bp, staff_only
from portal.attempt import attempt
from portal.extensions import db
from portal.models import QualityReviewItem
from portal.services import handling
from portal.services import quality as quality_service
from portal.services.quality import QualityError
from portal.timeutil import utcnow


@bp.get("/quality")
@staff_only
def quality():
    items = db.session.scalars(select(QualityReviewItem).where(
        QualityReviewItem.department_id == current_user.department_id).order_by(QualityReviewItem.id.desc())).all()
    return render_template("quality/department_index.html", items=items, now=utcnow(),
                           returned=[i for i in items if i.state == "returned"])


@bp.route("/quality/<id:review_id>", methods=["GET", "POST"])
@staff_only
def quality_item(review_id: int):
    item = db.session.get(QualityReviewItem, review_id)
    if item is None or item.department_id != current_user.department_id:
        abort(404)
    form = CorrectionForm()
    problem = None
    if form.validate_on_submit():
        done = attempt(lambda: quality_service.record_correction(
            db.session, item, current_user, form.correction.data), QualityError)
        if not done.ok:
            problem = quality_message(done.error)
        else:
            flash(_("The correction has been recorded; the suggestion office will check it again."), "success")
            return redirect(url_for("department.quality_item", review_id=item.id))
    return render_template("quality/department_item.html", item=item, form=form, problem=problem, now=utcnow(),
                           can_correct="correct" in quality_service.allowed_actions(current_user, item),
                           reply=handling.department_reply(item.suggestion),
                           failed=quality_service.failed_criteria(item))

