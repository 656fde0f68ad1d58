"""Administrators keep departments, categories, districts, staff accounts and time limits."""
from __future__ import annotations

from datetime import date

import pytest

from portal.extensions import db
from portal.models import Category, DeadlinePolicy, Department, District, Holiday, Role, User
from portal.services.demo import load_reference_data


@pytest.fixture
def admin(factory, auth):
    user = factory.user(Role.ADMIN, name="管理员")
    auth.login(user)
    return user


@pytest.mark.parametrize("kind, model", [("departments", Department), ("districts", District)])
def test_add_and_edit_reference_data(client, admin, kind, model):
    response = client.post(f"/admin/{kind}/", data={"slug": "new-one", "name": "新名称", "name_en": "New one", "active": "y"})
    assert response.status_code == 302
    item = db.session.query(model).filter_by(slug="new-one").one()
    assert "<td>新名称</td>" in client.get(f"/admin/{kind}/").get_data(as_text=True)
    client.post(f"/admin/{kind}/{item.id}", data={"slug": "new-one", "name": "改后的名称", "name_en": "Renamed"})
    db.session.refresh(item)
    assert (item.name, item.name_en, item.active) == ("改后的名称", "Renamed", False)


def test_a_departments_responsibilities_are_kept_and_route_new_suggestions(client, admin, factory):
    from portal.models import Status
    from portal.services.search import routing_hint

    education = factory.department("教育局", slug="education")
    factory.department("交通运输局", slug="transport")
    new = factory.suggestion(status=Status.ACCEPTED, title="幼儿园入园太难", problem="小区周边幼儿园学位不足。")
    assert routing_hint(db.session, new) is None  # nothing similar has been handled, nothing listed

    page = client.get(f"/admin/departments/{education.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Matters it handles" in page and "<textarea" in page
    too_long = client.post(f"/admin/departments/{education.id}", headers={"Accept-Language": "en"},
                           data={"slug": "education", "name": "教育局", "active": "y",
                                 "responsibilities": "学校 " * 1500}).get_data(as_text=True)
    assert "4000" in too_long and "学校 学校" in too_long  # refused, and what was typed is kept
    client.post(f"/admin/departments/{education.id}",
                data={"slug": "education", "name": "教育局", "active": "y", "responsibilities": "学校 幼儿园 入学 教师"})
    db.session.refresh(education)
    assert education.responsibilities == "学校 幼儿园 入学 教师"
    hint = routing_hint(db.session, new)
    assert hint is not None and hint.department.id == education.id and hint.percent == 100 and hint.useful


def test_category_keeps_its_usual_department_and_refuses_duplicate_codes(client, admin, factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    client.post("/admin/categories/", data={"slug": "urban", "name": "城乡建设", "default_department_id": housing.id})
    assert db.session.query(Category).filter_by(slug="urban").one().default_department_id == housing.id
    page = client.post("/admin/categories/", data={"slug": "urban", "name": "又一个", "default_department_id": 0},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "already used" in page and 'value="又一个"' in page
    page = client.post("/admin/categories/", data={"slug": "Bad Code!", "name": "x", "default_department_id": 0},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "lower-case letters" in page


def test_create_department_staff_who_can_then_log_in(client, admin, factory, app):
    housing = factory.department("住房和城乡建设局", slug="housing")
    page = client.post("/admin/users", data={"login": "clerk@city.gov.cn", "display_name": "陈科员",
                                             "role": "department_staff", "department_id": 0, "password": "clerk-pass-1"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "must belong to a department" in page
    client.post("/admin/users", data={"login": "clerk@city.gov.cn", "display_name": "陈科员",
                                      "role": "department_staff", "department_id": housing.id, "password": "clerk-pass-1"})
    clerk = db.session.query(User).filter_by(email="clerk@city.gov.cn").one()
    assert clerk.role == "department_staff" and clerk.department_id == housing.id
    other = app.test_client()
    assert other.post("/account/login", data={"login": "clerk@city.gov.cn", "password": "clerk-pass-1"}).status_code == 302
    client.post(f"/admin/users/{clerk.id}", data={"login": "clerk@city.gov.cn", "display_name": "陈科员",
                                                  "role": "department_staff", "department_id": housing.id})
    db.session.refresh(clerk)
    assert clerk.active is False  # the box was left unticked: deactivated
    assert app.test_client().post("/account/login", data={"login": "clerk@city.gov.cn", "password": "clerk-pass-1"}).status_code == 200


def test_policy_edit_changes_the_limits(client, admin):
    load_reference_data(db.session)
    db.session.commit()
    policy = db.session.query(DeadlinePolicy).filter_by(code="statutory").one()
    data = {name: getattr(policy, name) for name in (
        "name", "accept_days", "dispute_working_days", "reply_days", "extension_max_days", "rating_days",
        "review_request_days", "review_answer_days", "support_threshold", "widely_supported_reply_days")}
    page = client.post(f"/admin/policies/{policy.id}", data={**data, "reply_days": "0"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Number must be between" in page
    client.post(f"/admin/policies/{policy.id}", data={**data, "reply_days": "45", "support_threshold": "500"})
    db.session.refresh(policy)
    assert (policy.reply_days, policy.support_threshold) == (45, 500)


def test_holidays_are_added_once_and_removed(client, admin):
    client.post("/admin/holidays", data={"day": "2027-01-01", "name": "元旦"})
    page = client.post("/admin/holidays", data={"day": "2027-01-01", "name": "again"},
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "already in the calendar" in page
    holiday = db.session.query(Holiday).filter_by(day=date(2027, 1, 1)).one()
    assert "元旦" in client.get("/admin/holidays?year=2027").get_data(as_text=True)
    client.post(f"/admin/holidays/{holiday.id}/delete")
    assert db.session.query(Holiday).count() == 0
