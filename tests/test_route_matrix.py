"""Every route × every role, against access written down here, not read from the code under test.

The routes come from `app.url_map`: a new route that this file does not cover fails the test with
a message saying what to add. Each route is opened with every method it accepts, with ids of real
records built below, as each of the ROLES; the answer must be the one the table expects:

    A  allowed: the view ran (2xx, 3xx other than to the log-in page, or 400 for an empty form)
    L  redirected to the log-in page (anonymous visitors)
    F  403 Forbidden: the visitor may know the record exists but may not act on it
    N  404 Not Found: the visitor may not even learn that the record exists

Opening /admin/ to everyone (say, @public on admin.index) makes this fail: anonymous visitors would
get 200 instead of L, and residents, staff, office and hearing authority 200 instead of F.
"""
from __future__ import annotations

import pytest
from flask import Flask
from werkzeug.routing import Rule

from portal.extensions import db
from portal.models import User
from tests.sql_counter import count_statements

# The roles, in the order of the letters below.
ROLES = ("anonymous", "owner", "other_resident", "other_department", "handling_department", "office",
         "hearing_authority", "admin")

PUBLIC = "AAAAAAAA"
SIGNED_IN = "LAAAAAAA"
RESIDENTS = "LAAFFFFF"
OWNER_ONLY = "LAFFFFFF"
ANY_DEPARTMENT = "LFFAAFFF"
HANDLING_DEPARTMENT = "LFFFAFFF"
OFFICE = "LFFFFAFF"
HEARING_AUTHORITY = "LFFFFFAF"
ADMIN = "LFFFFFFA"

# Access by the first segment of the path ("/office/…" → "office"; "/" → "").
BY_PREFIX = {
    "": PUBLIC, "about": PUBLIC, "locale": PUBLIC, "search": PUBLIC, "metrics": PUBLIC, "opendata": PUBLIC,
    "calls": PUBLIC, "hearings": PUBLIC, "suggestions": PUBLIC,
    "api": PUBLIC, "feeds": PUBLIC, "open311": PUBLIC,
    "account": SIGNED_IN,
    "admin": ADMIN,
    "office": OFFICE,
    "department": ANY_DEPARTMENT,
    "hearing-admin": HEARING_AUTHORITY,
}

# The exceptions, by endpoint.
BY_ENDPOINT = {
    "auth.register": PUBLIC, "auth.login": PUBLIC, "auth.confirm_registration": PUBLIC,
    "auth.request_reset": PUBLIC, "auth.reset_password": PUBLIC, "auth.resend_code": PUBLIC,
    "auth.delete_account": RESIDENTS,  # staff accounts are closed by an administrator
    "office.decline_reasons": "LFFFFAFA", "office.decline_reason_edit": "LFFFFAFA",
    "office.decline_reason_toggle": "LFFFFAFA",
    # Record pages of the department that handles the suggestion; another department may know
    # the (public) suggestion, the conversion and the open call, so it is refused, not misled.
    "department.detail": HANDLING_DEPARTMENT, "department.contribution": HANDLING_DEPARTMENT,
    "department.conversion_new": HANDLING_DEPARTMENT, "department.dispute": HANDLING_DEPARTMENT,
    "department.extension": HANDLING_DEPARTMENT, "department.publish": HANDLING_DEPARTMENT,
    "department.reply": HANDLING_DEPARTMENT, "department.conversion_edit": HANDLING_DEPARTMENT,
    "department.undo_reply": HANDLING_DEPARTMENT,
    "department.progress": HANDLING_DEPARTMENT, "department.call_detail": HANDLING_DEPARTMENT,
    "department.call_edit": HANDLING_DEPARTMENT,
    # Reply templates are internal to a department: another department's do not exist for it.
    "department.template_edit": "LFFNAFFF", "department.template_delete": "LFFNAFFF",
    # Quality review (评查): a department sees only its own review items; another's do not exist for it.
    "department.quality_item": "LFFNAFFF",
    "hearings.register": RESIDENTS, "hearings.cancel_registration": RESIDENTS,
    "hearings.selection": OWNER_ONLY,  # the author is the resident side of the joint selection
    "hearings.for_suggestion": "LFFFFAAF",
    "suggestions.new": RESIDENTS, "suggestions.mine": RESIDENTS, "suggestions.support": RESIDENTS,
    "suggestions.follow": SIGNED_IN, "suggestions.unfollow": SIGNED_IN,
    "suggestions.notifications": SIGNED_IN, "suggestions.notifications_read": SIGNED_IN,
    "suggestions.confirmation": OWNER_ONLY, "suggestions.resubmit": OWNER_ONLY,
    "suggestions.withdraw": OWNER_ONLY, "suggestions.rate": OWNER_ONLY, "suggestions.request_review": OWNER_ONLY,
}

for _letters in (*BY_PREFIX.values(), *BY_ENDPOINT.values()):
    assert len(_letters) == len(ROLES) and set(_letters) <= set("ALFN"), _letters


def expected_access(rule: Rule) -> str:
    if rule.endpoint in BY_ENDPOINT:
        return BY_ENDPOINT[rule.endpoint]
    prefix = rule.rule.split("/")[1]
    if prefix in BY_PREFIX:
        return BY_PREFIX[prefix]
    raise LookupError(
        f"{rule.rule} ({rule.endpoint}) is not in the route × role matrix. In tests/test_route_matrix.py add "
        f'"{prefix}": "<letters>" to BY_PREFIX for the whole /{prefix}/ area, or "{rule.endpoint}": "<letters>" '
        f"to BY_ENDPOINT, with one letter per role in the order {', '.join(ROLES)} "
        f"(A allowed, L log in, F 403, N 404); e.g. \"{rule.endpoint}\": \"{SIGNED_IN}\" for signed-in people only.")


def routes(app: Flask):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"}, key=lambda m: (m != "GET", m))


@pytest.fixture
def world(factory):
    """One of everything, owned by the people who visit it."""
    from datetime import date

    from portal.models import (
        DeadlinePolicy, DeclineReason, Holiday, QualityReviewItem, QualitySample, Role, Status,
    )
    from portal.services import hearing_selection, intake, quality
    from portal.timeutil import local_date, utcnow

    # The event log serves closed days only: the suggestions below, submitted three days ago, are
    # written into their own day, as a history loader would write them.
    from flask import current_app
    current_app.config["EVENT_LOG_BACKFILL"] = True
    office_department = factory.department("人民建议征集办公室", slug="office", is_office=True)
    housing = factory.department("住房和城乡建设局", slug="housing")
    hrss = factory.department("人力资源和社会保障局", slug="hrss")
    office = factory.user(Role.OFFICE_STAFF, department=office_department)
    users = {
        "owner": factory.resident(name="李明"),
        "other_resident": factory.resident(name="王芳"),
        "other_department": factory.user(Role.DEPARTMENT_STAFF, department=hrss),
        "handling_department": factory.user(Role.DEPARTMENT_STAFF, department=housing),
        "office": office,
        "hearing_authority": factory.user(Role.HEARING_AUTHORITY),
        "admin": factory.user(Role.ADMIN),
    }
    owner = users["owner"]
    suggestion = factory.suggestion(owner, status=Status.DISPATCHED, lead_department=housing,
                                    category=factory.category(department=housing), district=factory.district(),
                                    office=office)
    replied = factory.suggestion(owner, status=Status.REPLIED, lead_department=housing, office=office)
    conversion = factory.conversion(replied)
    template = factory.reply_template(housing)
    call = factory.themed_call(housing)
    factory.member_pool(6)
    member = factory.hearing_member("钱专家", "expert")
    hearing = factory.hearing(suggestion, authority=users["hearing_authority"])
    hearing_selection.freeze(factory.session, hearing, utcnow())
    reason = DeclineReason(code="no-content", name="内容不明确，无法办理", name_en="Too unclear to handle")
    policy = DeadlinePolicy(code="matrix", name="matrix")
    holiday = Holiday(day=date(2030, 1, 1), name="matrix")
    db.session.add_all([reason, policy, holiday])
    extension = intake.request_extension(db.session, suggestion, users["handling_department"], 10,
                                         "需要跨部门协调", utcnow())
    quality.seed_criteria(db.session)
    review_sample = QualitySample(iso_year=2026, iso_week=1, nonce="matrix", seed=quality.seed_for(2026, 1, "matrix"),
                                  per_department=1)
    review_sample.items.append(QualityReviewItem(suggestion_id=replied.id, department_id=housing.id))
    db.session.add(review_sample)
    db.session.commit()
    samples = {
        "kind": "departments", "item_id": housing.id, "user_id": owner.id, "suggestion_id": suggestion.id,
        "tracking_number": suggestion.tracking_number, "conversion_id": conversion.id, "template_id": template.id,
        "call_id": call.id, "hearing_id": hearing.id, "member_id": member.id, "extension_id": extension.id,
        "reason_id": reason.id, "policy_id": policy.id, "holiday_id": holiday.id,
        "sample_id": review_sample.id, "review_id": review_sample.items[0].id,
        "criterion_id": quality.criteria(db.session)[0].id,
        "view_id": _saved_view_id(users["office"]),
        "department_id": housing.id, "category_id": suggestion.category_id, "district_id": suggestion.district_id,
        "request_id": suggestion.id, "code": suggestion.category.slug, "fmt": "json",
        "day": local_date(suggestion.submitted_at).isoformat(),
    }
    return {role: user.id for role, user in users.items()}, samples


def _saved_view_id(user) -> int:
    from portal.services import work_queues

    view = work_queues.save_view(db.session, user, "office", "overdue", {"overdue": "1"})
    db.session.commit()
    return view.id


def url_for_rule(rule: Rule, samples: dict) -> str:
    missing = [arg for arg in rule.arguments if arg not in samples]
    assert not missing, (f"{rule.rule} ({rule.endpoint}): add a real record's value for {missing} to the samples "
                         "of the world fixture in tests/test_route_matrix.py")
    return rule.build({arg: samples[arg] for arg in rule.arguments}, append_unknown=False)[1]


def client_as(app: Flask, user_id: int | None):
    """A fresh browser, signed in as the user now (a log-out on an earlier route ends old sessions)."""
    client = app.test_client()
    if user_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = db.session.get(User, user_id).get_id()
            session["_fresh"] = True
    return client


def outcome(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/account/login" in location:
        return "L"
    if response.status_code == 403:
        return "F"
    if response.status_code == 404:
        return "N"
    if response.status_code < 400 or response.status_code == 400:
        return "A"
    return f"HTTP {response.status_code}"


def test_every_route_is_in_the_table(app):
    uncovered = []
    for rule in routes(app):
        try:
            expected_access(rule)
        except LookupError as error:
            uncovered.append(str(error))
    assert uncovered == [], "\n".join(uncovered)
    stale = set(BY_ENDPOINT) - {rule.endpoint for rule in routes(app)}
    assert stale == set(), f"remove these endpoints from BY_ENDPOINT: they no longer exist: {sorted(stale)}"


def test_every_route_declares_an_access_policy(app):
    undeclared = [rule.endpoint for rule in routes(app)
                  if getattr(app.view_functions[rule.endpoint], "access_policy", None) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(app, world, role):
    user_ids, samples = world
    position = ROLES.index(role)
    problems = []
    # GETs first: a POST (a deletion, say) must not change what a later GET finds.
    visits = sorted(((method, rule) for rule in routes(app) for method in methods(rule)), key=lambda v: v[0] != "GET")
    for method, rule in visits:
        url = url_for_rule(rule, samples)
        expected = expected_access(rule)[position]
        response = client_as(app, user_ids.get(role)).open(url, method=method, data={})
        got = outcome(response)
        if got != expected:
            problems.append(f"{method} {url} ({rule.endpoint}) as {role}: expected {expected}, got {got} "
                            f"({response.status_code} {response.headers.get('Location', '')})")
    assert problems == [], "\n".join(problems)


def test_a_private_record_answers_like_a_missing_one(app, world, factory):
    """For a suggestion not yet accepted, those who may not see it get what a non-existent id gets."""
    from portal.models import Status

    user_ids, samples = world
    owner = db.session.get(User, user_ids["owner"])
    private = factory.suggestion(owner, status=Status.SUBMITTED, title="我家楼下的私人事情")
    problems = []
    for rule in routes(app):
        if "suggestion_id" not in rule.arguments:
            continue
        for method in methods(rule):
            for role in ("anonymous", "other_resident", "other_department", "handling_department", "hearing_authority"):
                answers = []
                for suggestion_id in (private.id, 987654):
                    url = url_for_rule(rule, {**samples, "suggestion_id": suggestion_id})
                    response = client_as(app, user_ids.get(role)).open(url, method=method, data={})
                    answers.append((response.status_code,
                                    response.headers.get("Location", "").replace(str(suggestion_id), "ID")))
                    if response.status_code == 200:
                        assert "我家楼下的私人事情" not in response.get_data(as_text=True), (url, role)
                if answers[0] != answers[1]:
                    problems.append(f"{method} {rule.rule} as {role}: private {answers[0]} but missing {answers[1]}")
    assert problems == [], "\n".join(problems)


def test_matrix_size(app):
    visits = sum(len(methods(rule)) for rule in routes(app))
    print(f"route × role matrix: {len(routes(app))} routes, {visits} route-methods × {len(ROLES)} roles "
          f"= {visits * len(ROLES)} requests")
    assert visits >= len(routes(app))


@pytest.mark.parametrize("role", ROLES)
def test_get_requests_write_nothing(app, world, role):
    # One commit per request in one visible place, and none for a page view: a GET that wrote would
    # also be repeated by every crawler, prefetch and reload.
    user_ids, samples = world
    writes = []
    for rule in routes(app):
        if "GET" not in rule.methods:
            continue
        url = url_for_rule(rule, samples)
        client = client_as(app, user_ids.get(role))
        with count_statements(db.engine) as statements:
            client.get(url)
        # "INSERT INTO t", "UPDATE t SET", "DELETE FROM t": the verb and the table
        written = [" ".join(s.split()[:3]) for s in statements
                   if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
        if written:
            writes.append(f"GET {url} as {role}: {written}")
    assert writes == [], "\n".join(writes)
