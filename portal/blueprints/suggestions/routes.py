"""The resident's side and the public pages: submit, track, lists, detail, support, follow, rate, review."""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from portal.blueprints.suggestions.forms import (
    ActionForm, RatingForm, ResubmitForm, ReviewRequestForm, SuggestionForm,
)
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.services.search import similar_suggestions
from portal.i18n import localized_name
from portal.inputs import int_arg
from portal.models import (
    Category, ConversionType, Decision, Department, District, Notification, Role, Status, Suggestion,
    ThemedCall,
)
from portal.ratelimits import account_or_address, client_address, limit
from portal.security import public, roles_required, signed_in
from portal import caching, confirmations
from portal.services import deadlines, pagination, public_lists, workflow
from portal.services.public_views import (
    own_notification, own_suggestion, public_call, public_suggestion, public_suggestions, public_timeline,
)
from portal.services import suggestions as service
from portal.services.suggestions import SuggestionError
from portal.timeutil import utcnow
from portal.urls import safe_next

bp = Blueprint("suggestions", __name__, url_prefix="/suggestions")
resident_only = roles_required(Role.RESIDENT)


def error_message(error: SuggestionError) -> str:
    due = error.params.get("due")
    due_text = format_datetime(due, "short") if due else ""
    messages = {
        "residents_only": _("Only residents can do this."),
        "bad_category": _("Choose a category from the list."),
        "bad_district": _("Choose a district from the list."),
        "call_closed": _("This themed call is not taking suggestions now. Choose another or none."),
        "not_author": _("Only the author of the suggestion can do this."),
        "not_waiting_for_info": _("The suggestion office is not waiting for more information on this suggestion."),
        "cannot_withdraw": _("A suggestion can be withdrawn only before it is accepted."),
        "own_suggestion": _("You cannot support your own suggestion."),
        "not_open": _("This suggestion is no longer open for support."),
        "nothing_to_rate": _("There is no answer to rate now."),
        "already_rated": _("You have already rated this answer."),
        "bad_rating": _("Choose one of the three."),
        "rating_too_late": _("The time to rate this answer ended on %(date)s.", date=due_text),
        "no_review_now": _("A review cannot be requested now."),
        "rate_dissatisfied_first": _("Rate the answer as dissatisfied first; then you can request a review."),
        "review_too_late": _("The time to request a review ended on %(date)s.", date=due_text),
    }
    return messages.get(error.code, _("Something went wrong; please try again."))


def _suggestion_or_404(suggestion_id: int, load: Callable[[int], Optional[Suggestion]] | None = None) -> Suggestion:
    suggestion = load(suggestion_id) if load else db.session.get(Suggestion, suggestion_id)
    if suggestion is None or not service.can_view(db.session, suggestion, current_user):
        abort(404)
    return suggestion


def _own_suggestion(suggestion_id: int) -> Suggestion:
    """The signed-in author's suggestion; 403 for others who may see it, 404 for those who may not."""
    suggestion = _suggestion_or_404(suggestion_id)
    if suggestion.author_id != current_user.id:
        abort(403)
    return suggestion


def _choices(model, blank: str) -> list[tuple[int, str]]:
    rows = db.session.scalars(select(model).where(model.active.is_(True)).order_by(model.id)).all()
    return [(0, blank)] + [(row.id, localized_name(row)) for row in rows]


# --- public lists --------------------------------------------------------------------------------

def _filter_args() -> dict:
    """The list's filters, for links; the page position travels separately."""
    return {k: v for k, v in request.args.items() if k not in ("page", "after", "before") and v}


def _keyset_page(query, keys, count_key: str) -> pagination.Page:
    # The total only moves when suggestions change: counted once per change, not per request.
    total = caching.remember(count_key, lambda: pagination.count(db.session, query))
    return pagination.keyset_page(db.session, query, keys, pagination.PageRequest.from_args(request.args),
                                  current_app.config["PER_PAGE"], total)


@bp.get("/")
@public
@caching.public_page
def index():
    group = request.args.get("group", "all")
    filters = public_lists.ListFilters(
        group=group if group in public_lists.STATUS_GROUPS else "all",
        category_id=int_arg("category"), district_id=int_arg("district"),
        department_id=int_arg("department"), call_id=int_arg("call"),
        widely_supported=request.args.get("widely") == "1",
        sort=request.args.get("sort") if request.args.get("sort") in public_lists.SORTS else "newest")
    page = _keyset_page(public_lists.suggestions_query(filters), public_lists.sort_keys(filters),
                        count_key=f"suggestions:{filters}")
    page = dataclasses.replace(page, items=public_suggestions(page.items))
    args = _filter_args()
    departments = db.session.scalars(select(Department).where(
        Department.active.is_(True), Department.is_office.is_(False)).order_by(Department.id)).all()
    calls = [public_call(c) for c in db.session.scalars(
        select(ThemedCall).options(selectinload(ThemedCall.department)).order_by(ThemedCall.opens_at.desc()))]
    return render_template(
        "suggestions/index.html", page=page, filters=filters, args=args,
        categories=_choices(Category, _("All categories"))[1:], districts=_choices(District, _("All"))[1:],
        departments=departments, calls=calls)


@bp.get("/outcomes")
@public
@caching.public_page
def outcomes():
    decision = request.args.get("decision")
    conversion_type = request.args.get("type")
    filters = public_lists.OutcomeFilters(
        decision=decision if decision in {d.value for d in Decision} else None,
        conversion_type=conversion_type if conversion_type in {t.value for t in ConversionType} else None)
    page = _keyset_page(public_lists.outcomes_query(filters), public_lists.NEWEST_PUBLISHED,
                        count_key=f"outcomes:{filters}")
    page = dataclasses.replace(page, items=public_suggestions(page.items, with_conversions=True))
    args = _filter_args()
    return render_template("suggestions/outcomes.html", page=page, filters=filters, args=args,
                           decisions=list(Decision), conversion_types=list(ConversionType))


@bp.get("/track")
@public
def track():
    number = request.args.get("number", "")
    suggestion = service.find_by_tracking_number(db.session, number) if number.strip() else None
    # The page shows dates and the department, no text: the status view, never the record.
    view = public_suggestion(suggestion, with_details=False) if suggestion is not None else None
    return render_template("suggestions/track.html", number=number.strip(), suggestion=view,
                           searched=bool(number.strip()))


# --- one suggestion ------------------------------------------------------------------------------

@bp.get("/<id:suggestion_id>")
@public
@caching.public_page
def detail(suggestion_id: int):
    suggestion = _suggestion_or_404(suggestion_id)
    now = utcnow()
    is_author = current_user.is_authenticated and suggestion.author_id == current_user.id
    # The author and the staff handling it see the original text and the answer at once (the
    # author, to rate it); everyone else the masked public view, the answer once published.
    reveal = is_author or service.is_handling_staff(suggestion, current_user)
    answer = service.answer_to_rate(suggestion) if is_author else None
    rating_due = service.rating_due(db.session, suggestion, answer) if answer else None
    can_rate = answer is not None and answer.rating is None and now <= rating_due
    review_form = None
    if is_author and service.can_request_review(db.session, suggestion, now):
        review_form = ReviewRequestForm(formdata=None)
    return render_template(
        "suggestions/detail.html", is_author=is_author,
        s=public_suggestion(suggestion, reveal=reveal, with_replies=True, with_conversions=True),
        events=public_timeline(service.timeline_for(suggestion, current_user), reveal=reveal),
        supported=service.has_supported(db.session, suggestion, current_user),
        following=service.is_following(db.session, suggestion, current_user),
        action_form=ActionForm(formdata=None),
        rating_form=RatingForm(formdata=None) if can_rate else None, rating_due=rating_due,
        rating_closed=answer is not None and answer.rating is None and not can_rate,
        review_form=review_form,
        review_action="request_second_review" if suggestion.status == Status.REVIEWED.value else "request_review",
        is_final=service.is_final(suggestion),
        office_request=service.office_request(suggestion) if is_author else "",
        next_deadline=deadlines.next_deadline(db.session, suggestion, now) if is_author else None,
        can_withdraw=is_author and suggestion.status in (Status.SUBMITTED.value, Status.NEEDS_INFO.value),
    )


def _previewing() -> bool:
    return "check_similar" in request.form


@bp.route("/new", methods=["GET", "POST"])
@resident_only
@limit("SUBMIT_ACCOUNT", account_or_address, exempt_when=_previewing)
@limit("SUBMIT_ADDRESS", client_address, exempt_when=_previewing)
def new():
    now = utcnow()
    form = SuggestionForm()
    form.category.choices = _choices(Category, _("— choose —"))
    form.district.choices = _choices(District, _("Whole city / not specific"))
    calls = service.open_calls(db.session, now)
    form.themed_call.choices = [(0, _("None"))] + [(c.id, c.title) for c in calls]
    if request.method == "GET" and not form.recovered:
        form.anonymous.data = current_user.prefers_anonymous
        preselect = int_arg("call")
        if preselect in {c.id for c in calls}:
            form.themed_call.data = preselect
    if request.method == "POST" and _previewing():
        # The no-JavaScript preview step: show similar published suggestions, keep the draft.
        draft = "\n".join(filter(None, (form.title.data, form.problem.data, form.measures.data)))
        return render_template("suggestions/new.html", form=form, similar=similar_suggestions(draft))
    if form.validate_on_submit():
        done = attempt(lambda: service.submit(
            db.session, current_user, title=form.title.data, problem=form.problem.data,
            measures=form.measures.data, category_id=form.category.data, district_id=form.district.data or None,
            themed_call_id=form.themed_call.data or None, show_anonymous=form.anonymous.data, now=now),
            SuggestionError)
        if done.ok:
            return redirect(url_for("suggestions.confirmation", suggestion_id=done.value.id))
        target = {"bad_category": form.category, "bad_district": form.district}.get(done.error.code, form.themed_call)
        target.errors = list(target.errors) + [error_message(done.error)]
    return render_template("suggestions/new.html", form=form)


@bp.get("/<id:suggestion_id>/sent")
@resident_only
def confirmation(suggestion_id: int):
    return render_template("suggestions/confirmation.html", s=_own_suggestion(suggestion_id))


@bp.route("/<id:suggestion_id>/resubmit", methods=["GET", "POST"])
@resident_only
def resubmit(suggestion_id: int):
    suggestion = _own_suggestion(suggestion_id)
    if suggestion.status != Status.NEEDS_INFO.value:
        flash(error_message(SuggestionError("not_waiting_for_info")), "warning")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    form = ResubmitForm(obj=suggestion) if request.method == "GET" else ResubmitForm()
    if request.method == "GET" and form.recovered:
        form = ResubmitForm()  # the parked text wins over what is stored
    if form.validate_on_submit():
        commit(lambda: service.resubmit(db.session, suggestion, current_user, title=form.title.data,
                                        problem=form.problem.data, measures=form.measures.data,
                                        note=form.note.data or ""))
        flash(_("Thank you. The suggestion office will look at your suggestion again."), "success")
        return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    return render_template("suggestions/resubmit.html", s=suggestion, form=form,
                           office_request=service.office_request(suggestion))


def _post_action(suggestion_id: int, action, success: str, load=None):
    """Run a one-click action (support, follow …) and come back to the suggestion's page."""
    suggestion = _suggestion_or_404(suggestion_id, load)
    form = ActionForm()
    target = url_for("suggestions.detail", suggestion_id=suggestion.id)
    if not form.validate_on_submit():
        flash(_("Your session had expired. Please try again."), "warning")
        return redirect(target)
    done = attempt(lambda: action(suggestion), SuggestionError)
    if not done.ok:
        flash(error_message(done.error), "warning")
    elif done.value is not False:
        flash(success, "success")
    return redirect(safe_next(form.next.data, "suggestions.index") if form.next.data else target)


@bp.post("/<id:suggestion_id>/support")
@resident_only
@limit("SUPPORT_ACCOUNT", account_or_address)
@limit("SUPPORT_ADDRESS", client_address)
def support(suggestion_id: int):
    def act(suggestion):
        if not service.support(db.session, suggestion, current_user):
            flash(_("You have already supported this suggestion."), "info")
            return False
        return True
    # Read under the lock the support is decided under; a page opened before the office merged
    # this suggestion as a duplicate supports the target.
    return _post_action(suggestion_id, act, _("Thank you for your support."),
                        load=lambda i: service.lock_following_merges(db.session, i))


@bp.post("/<id:suggestion_id>/follow")
@signed_in
def follow(suggestion_id: int):
    return _post_action(suggestion_id, lambda s: service.follow(db.session, s, current_user),
                        _("You are following this suggestion. We will tell you when it progresses."))


@bp.post("/<id:suggestion_id>/unfollow")
@signed_in
def unfollow(suggestion_id: int):
    return _post_action(suggestion_id, lambda s: service.unfollow(db.session, s, current_user),
                        _("You no longer follow this suggestion."))


@bp.post("/<id:suggestion_id>/withdraw")
@resident_only
def withdraw(suggestion_id: int):
    suggestion = _own_suggestion(suggestion_id)
    if workflow.can(current_user, suggestion, "withdraw") and not confirmations.confirmed():
        return confirmations.ask(
            _("Withdraw your suggestion?"),
            [_("The suggestion office will stop handling it, and it will never be published."),
             _("This cannot be undone: to raise the matter again you would submit a new suggestion.")],
            _("Yes, withdraw my suggestion"), url_for("suggestions.detail", suggestion_id=suggestion.id),
            details=[(_("Title"), suggestion.title)])
    return _post_action(suggestion_id, lambda s: service.withdraw(db.session, s, current_user),
                        _("Your suggestion has been withdrawn."))


@bp.post("/<id:suggestion_id>/rate")
@resident_only
def rate(suggestion_id: int):
    suggestion = _own_suggestion(suggestion_id)
    form = RatingForm()
    target = url_for("suggestions.detail", suggestion_id=suggestion.id)
    if not form.validate_on_submit():
        flash(_("Choose one of the three."), "warning")
        return redirect(target + "#rate")
    done = attempt(lambda: service.rate(
        db.session, suggestion, current_user, form.level.data, form.comment.data or ""), SuggestionError)
    if not done.ok:
        flash(error_message(done.error), "warning")
    else:
        if done.value.level == "dissatisfied":
            flash(_("Thank you for your rating. If you wish, you can now request a review."), "success")
        else:
            flash(_("Thank you for your rating. The suggestion is now closed."), "success")
    return redirect(target + "#rate")


@bp.post("/<id:suggestion_id>/review")
@resident_only
def request_review(suggestion_id: int):
    suggestion = _own_suggestion(suggestion_id)
    form = ReviewRequestForm()
    target = url_for("suggestions.detail", suggestion_id=suggestion.id)
    if not form.validate_on_submit():
        for message in form.reason.errors:
            flash(message, "warning")
        return redirect(target + "#review")
    if service.can_request_review(db.session, suggestion, utcnow()) and not confirmations.confirmed():
        return _ask_review(suggestion, form, target)
    done = attempt(lambda: service.request_review(
        db.session, suggestion, current_user, form.reason.data), SuggestionError)
    if not done.ok:
        flash(error_message(done.error), "warning")
    else:
        flash(_("Your request for a second review has been sent.") if done.value == "request_second_review"
              else _("Your request for a review has been sent."), "success")
    return redirect(target)


def _ask_review(suggestion: Suggestion, form: ReviewRequestForm, target: str):
    days = deadlines.policy_for(db.session, suggestion).review_answer_days
    if suggestion.status == Status.REVIEWED.value:
        title = _("Request a second review?")
        consequences = [_("The suggestion office examines the matter once more and answers you within %(days)d days.",
                          days=days),
                        _("Its answer is final: after the second review nothing more can be asked for.")]
    else:
        title = _("Request a review?")
        consequences = [_("The suggestion office examines the department's answer and answers you within "
                          "%(days)d days.", days=days)]
    consequences.append(_("Your reason is shown on the suggestion's public page, with personal data masked. "
                          "A request cannot be withdrawn."))
    return confirmations.ask(title, consequences, _("Yes, send the request"), target + "#review",
                             details=[(_("Title"), suggestion.title), (form.reason.label.text, form.reason.data)])


# --- the resident's own pages --------------------------------------------------------------------

@bp.get("/mine")
@resident_only
def mine():
    now = utcnow()
    own = db.session.scalars(select(Suggestion).where(Suggestion.author_id == current_user.id)
                             .options(selectinload(Suggestion.category), selectinload(Suggestion.district),
                                      selectinload(Suggestion.lead_department), selectinload(Suggestion.events))
                             .order_by(Suggestion.submitted_at.desc(), Suggestion.id.desc())).all()
    # Views, not models: the author's own text as typed, the timeline without internal notes.
    rows = [(own_suggestion(s, current_user), public_timeline(service.timeline_for(s, current_user), reveal=True),
             deadlines.next_deadline(db.session, s, now)) for s in own]
    return render_template("suggestions/mine.html", rows=rows)


@bp.get("/notifications")
@signed_in
def notifications():
    query = select(Notification).where(Notification.user_id == current_user.id)
    page = pagination.keyset_page(db.session, query.options(selectinload(Notification.suggestion)),
                                  (Notification.created_at, Notification.id),
                                  pagination.PageRequest.from_args(request.args), current_app.config["PER_PAGE"],
                                  pagination.count(db.session, query))
    page = dataclasses.replace(page, items=[own_notification(n, current_user) for n in page.items])
    return render_template("suggestions/notifications.html", page=page, form=ActionForm(formdata=None))


@bp.post("/notifications/read")
@signed_in
def notifications_read():
    form = ActionForm()
    if form.validate_on_submit():
        commit(lambda: db.session.execute(update(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)).values(read_at=utcnow())))
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("suggestions.notifications"))


@bp.app_context_processor
def unread_notifications():
    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0
    return {"unread_notifications": count}


@bp.app_template_filter("number_plain")
def number_plain(value) -> str:
    """Outcome numbers as people write them: 50, not 50.00; 2.5 stays 2.5."""
    from flask_babel import format_decimal

    return format_decimal(value) if value is not None else ""
