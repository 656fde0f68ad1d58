"""Every route × every role: allowed roles get the page, others are refused.

The routes come from `app.url_map`, so a new route joins this matrix automatically. A route
without a declared access policy, or with a URL argument this file cannot fill, fails the test.
"""
from __future__ import annotations

import pytest

from portal.models import Role

ROLES = [None] + [role.value for role in Role]


@pytest.fixture
def world(factory):
    """One of everything, owned by the users who will visit it."""
    office_dept = factory.department("人民建议征集办公室", slug="office", is_office=True)
    housing = factory.department("住房和城乡建设局", slug="housing")
    category = factory.category(department=housing)
    district = factory.district()
    users = {
        Role.RESIDENT.value: factory.resident(),
        Role.DEPARTMENT_STAFF.value: factory.user(Role.DEPARTMENT_STAFF, department=housing),
        Role.OFFICE_STAFF.value: factory.user(Role.OFFICE_STAFF, department=office_dept),
        Role.HEARING_AUTHORITY.value: factory.user(Role.HEARING_AUTHORITY),
        Role.ADMIN.value: factory.user(Role.ADMIN),
    }
    from portal.models import Status

    suggestion = factory.suggestion(users[Role.RESIDENT.value], status=Status.DISPATCHED,
                                    lead_department=housing, category=category, district=district,
                                    office=users[Role.OFFICE_STAFF.value])
    from portal.extensions import db
    from portal.models import DeclineReason
    from portal.services import intake
    from portal.timeutil import utcnow

    reason = DeclineReason(code="no-content", name="内容不明确，无法办理", name_en="Too unclear to handle")
    db.session.add(reason)
    extension = intake.request_extension(db.session, suggestion, users[Role.DEPARTMENT_STAFF.value], 10,
                                         "需要跨部门协调", utcnow())
    db.session.commit()
    samples = {
        "kind": "departments",
        "item_id": housing.id,
        "user_id": users[Role.RESIDENT.value].id,
        "suggestion_id": suggestion.id,
        "tracking_number": suggestion.tracking_number,
        "extension_id": extension.id,
        "reason_id": reason.id,
        "policy_id": _first_policy_id(),
        "holiday_id": _first_holiday_id(),
    }
    return users, samples


def _first_policy_id() -> int:
    from portal.extensions import db
    from portal.models import DeadlinePolicy

    policy = DeadlinePolicy(code="matrix", name="matrix")
    db.session.add(policy)
    db.session.commit()
    return policy.id


def _first_holiday_id() -> int:
    from datetime import date

    from portal.extensions import db
    from portal.models import Holiday

    holiday = Holiday(day=date(2030, 1, 1), name="matrix")
    db.session.add(holiday)
    db.session.commit()
    return holiday.id


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        yield rule


def _url(rule, samples):
    missing = [arg for arg in rule.arguments if arg not in samples]
    assert not missing, f"{rule.rule}: add a sample value for {missing} to the matrix's world fixture"
    return rule.build({arg: samples[arg] for arg in rule.arguments}, append_unknown=False)[1]


def test_every_route_declares_an_access_policy(app):
    undeclared = [rule.endpoint for rule in _routes(app)
                  if getattr(app.view_functions[rule.endpoint], "access_policy", None) is None]
    assert undeclared == []


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_route_role_matrix(app, world, role):
    users, samples = world
    problems = []
    for rule in _routes(app):
        # A fresh client per route: an earlier route (log out, say) must not change the next.
        client = app.test_client()
        if role is not None:
            with client.session_transaction() as session:
                session["_user_id"] = str(users[role].id)
                session["_fresh"] = True
        policy = app.view_functions[rule.endpoint].access_policy
        url = _url(rule, samples)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data={})
        allowed = policy.allows(role)
        where = (f"{method} {url} ({rule.endpoint}) as {role or 'anonymous'}: "
                 f"{response.status_code} {response.headers.get('Location', '')}")
        if response.status_code >= 500:
            problems.append(where + " server error")
        elif allowed and (response.status_code == 403 or "/account/login" in response.headers.get("Location", "")):
            problems.append(where + " refused but should be allowed")
        elif not allowed and role is None and not (
                response.status_code == 302 and "/account/login" in response.headers["Location"]):
            problems.append(where + " should redirect to log in")
        elif not allowed and role is not None and response.status_code != 403:
            problems.append(where + " should be 403")
    assert problems == [], "\n".join(problems)
