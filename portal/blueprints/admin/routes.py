"""Administration: departments, categories, districts and staff accounts."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.blueprints.admin.forms import (
    CategoryForm, DepartmentForm, HolidayForm, PolicyForm, ReferenceForm, StaffForm,
)
from portal.blueprints.auth.routes import account_error_message
from portal.attempt import attempt, commit
from portal.extensions import db
from portal.models import Category, DeadlinePolicy, Department, District, Holiday, Role, User
from portal.forms import PortalForm
from portal.inputs import EARLIEST_YEAR, LATEST_YEAR, int_arg
from portal.security import roles_required
from portal.services import accounts
from portal.services.accounts import AccountError
from portal.timeutil import utcnow

bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_only = roles_required(Role.ADMIN)

REFERENCE_KINDS = {
    "departments": (Department, DepartmentForm, _l("Departments")),
    "categories": (Category, CategoryForm, _l("Categories")),
    "districts": (District, ReferenceForm, _l("Districts")),
}
KIND_CONVERTER = "any(" + ", ".join(REFERENCE_KINDS) + ")"


def _department_choices(blank_label: str) -> list[tuple[int, str]]:
    from portal.i18n import localized_name

    departments = db.session.scalars(select(Department).order_by(Department.id)).all()
    return [(0, blank_label)] + [(d.id, localized_name(d)) for d in departments]


def _make_form(kind: str, obj=None):
    _model, form_class, _title = REFERENCE_KINDS[kind]
    form = form_class(obj=obj)
    if isinstance(form, CategoryForm):
        form.default_department_id.choices = _department_choices(_("— none —"))
        if request.method == "GET" and obj is not None:
            form.default_department_id.data = obj.default_department_id or 0
    return form


def _save_reference(kind: str, form, item) -> bool:
    model = REFERENCE_KINDS[kind][0]
    clash = db.session.scalar(select(model).where(model.slug == form.slug.data, model.id != (item.id or 0)))
    if clash is not None:
        form.slug.errors.append(_("This short code is already used."))
        return False
    form.populate_obj(item)
    if isinstance(form, CategoryForm):
        item.default_department_id = form.default_department_id.data or None
    commit(lambda: db.session.add(item))
    return True


@bp.get("/")
@admin_only
def index():
    counts = {kind: db.session.scalar(select(func.count()).select_from(model))
              for kind, (model, _form, _title) in REFERENCE_KINDS.items()}
    staff = db.session.scalar(select(func.count()).select_from(User).where(User.role != Role.RESIDENT.value))
    return render_template("admin/index.html", kinds=REFERENCE_KINDS, counts=counts, staff_count=staff)


@bp.route(f"/<{KIND_CONVERTER}:kind>/", methods=["GET", "POST"])
@admin_only
def reference_list(kind: str):
    model, _form_class, title = REFERENCE_KINDS[kind]
    form = _make_form(kind)
    if form.validate_on_submit() and _save_reference(kind, form, model()):
        flash(_("Saved."), "success")
        return redirect(url_for("admin.reference_list", kind=kind))
    items = db.session.scalars(select(model).order_by(model.id)).all()
    return render_template("admin/reference_list.html", kind=kind, title=title, items=items, form=form)


@bp.route(f"/<{KIND_CONVERTER}:kind>/<id:item_id>", methods=["GET", "POST"])
@admin_only
def reference_edit(kind: str, item_id: int):
    model, _form_class, title = REFERENCE_KINDS[kind]
    item = db.session.get(model, item_id) or abort(404)
    form = _make_form(kind, obj=item)
    if form.validate_on_submit() and _save_reference(kind, form, item):
        flash(_("Saved."), "success")
        return redirect(url_for("admin.reference_list", kind=kind))
    return render_template("admin/reference_edit.html", kind=kind, title=title, item=item, form=form)


def _staff_form(user: User | None = None) -> StaffForm:
    form = StaffForm(obj=user)
    form.department_id.choices = _department_choices(_("— none —"))
    if request.method == "GET" and user is not None:
        form.department_id.data = user.department_id or 0
        form.login.data = user.login_name
    return form


def _staff_form_problems(form: StaffForm) -> bool:
    if form.role.data == Role.DEPARTMENT_STAFF.value and not form.department_id.data:
        form.department_id.errors.append(_("Department staff must belong to a department."))
        return True
    return False


@bp.route("/users", methods=["GET", "POST"])
@admin_only
def users():
    form = _staff_form()
    if form.validate_on_submit() and not _staff_form_problems(form):
        if not form.password.data:
            form.password.errors.append(_("A new account needs a password."))
        else:
            done = attempt(lambda: accounts.create_user(
                db.session, form.login.data, form.password.data, form.display_name.data, role=Role(form.role.data),
                department_id=form.department_id.data or None), AccountError)
            if done.ok:
                flash(_("Account created."), "success")
                return redirect(url_for("admin.users"))
            form.login.errors.append(account_error_message(done.error))
    role_filter = request.args.get("role") or None
    text = request.args.get("q", "").strip()
    people = accounts.search_users(db.session, text, role_filter).all()
    return render_template("admin/users.html", form=form, people=people, role_filter=role_filter, q=text)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = _staff_form(user)
    if form.validate_on_submit() and not _staff_form_problems(form):
        other = accounts.find_by_login(db.session, form.login.data)
        if other is not None and other.id != user.id:
            form.login.errors.append(account_error_message(AccountError("login_taken")))
        else:
            try:
                kind, value = accounts.normalize_login(form.login.data)
            except AccountError as error:
                form.login.errors.append(account_error_message(error))
            else:
                user.email, user.phone = (value, None) if kind == "email" else (None, value)
                user.display_name = form.display_name.data.strip()
                user.role = form.role.data
                user.department_id = form.department_id.data or None
                user.active = form.active.data
                if form.password.data:
                    user.set_password(form.password.data)
                commit()
                flash(_("Saved."), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_edit.html", form=form, person=user)


@bp.get("/policies")
@admin_only
def policies():
    items = db.session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.id)).all()
    return render_template("admin/policies.html", policies=items)


@bp.route("/policies/<id:policy_id>", methods=["GET", "POST"])
@admin_only
def policy_edit(policy_id: int):
    policy = db.session.get(DeadlinePolicy, policy_id) or abort(404)
    form = PolicyForm(obj=policy)
    if form.validate_on_submit():
        commit(lambda: form.populate_obj(policy))
        flash(_("Saved. New deadlines apply at once to every suggestion under this policy."), "success")
        return redirect(url_for("admin.policies"))
    return render_template("admin/policy_edit.html", form=form, policy=policy)


@bp.route("/holidays", methods=["GET", "POST"])
@admin_only
def holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        if db.session.scalar(select(Holiday).where(Holiday.day == form.day.data)) is not None:
            form.day.errors.append(_("This date is already in the calendar."))
        else:
            commit(lambda: db.session.add(Holiday(day=form.day.data, is_workday=form.is_workday.data,
                                                  name=form.name.data or "")))
            flash(_("Saved."), "success")
            return redirect(url_for("admin.holidays", year=form.day.data.year))
    years = sorted({d.year for d in db.session.scalars(select(Holiday.day))}) or [utcnow().year]
    year = int_arg("year", years[-1], minimum=EARLIEST_YEAR, maximum=LATEST_YEAR)
    days = db.session.scalars(select(Holiday).where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
                              .order_by(Holiday.day)).all()
    return render_template("admin/holidays.html", form=form, days=days, year=year, years=years,
                           delete_form=PortalForm())


@bp.post("/holidays/<id:holiday_id>/delete")
@admin_only
def holiday_delete(holiday_id: int):
    holiday = db.session.get(Holiday, holiday_id) or abort(404)
    if PortalForm().validate_on_submit():
        year = holiday.day.year
        commit(lambda: db.session.delete(holiday))
        flash(_("Removed from the calendar."), "success")
        return redirect(url_for("admin.holidays", year=year))
    abort(400)
