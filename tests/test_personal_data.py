"""A resident's own data: a complete copy to download, and deleting the account (PIPL rights)."""
from __future__ import annotations

import json

from portal.extensions import db
from portal.models import Follow, HearingObserver, Notification, Role, Status, Suggestion, User
from portal.services import hearings, suggestions
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}


def resident_with_history(factory):
    """李明 made a suggestion that was answered, rated it dissatisfied, asked for a review, supports and
    follows 王芳's suggestion, has notices, and registered to observe a hearing."""
    author = factory.resident(name="李明", login="liming@example.cn")
    office = factory.user(Role.OFFICE_STAFF, department=factory.department("建议办", is_office=True))
    own = factory.suggestion(author, status=Status.REPLIED, lead_department=factory.department(), office=office,
                             problem="公交站台没有遮雨棚，雨天候车的老人全身淋湿。")
    suggestions.rate(db.session, own, author, "dissatisfied", "答复没有说明时间表", utcnow())
    suggestions.request_review(db.session, own, author, "请说明遮雨棚何时建成", utcnow())
    others = factory.suggestion(factory.resident(name="王芳"), status=Status.DISPATCHED, office=office,
                                title="为老旧小区加装电梯")
    suggestions.support(db.session, others, author, utcnow())
    suggestions.follow(db.session, others, author)
    factory.member_pool(4)
    hearing = factory.hearing(others, observer_seats=1)
    hearings.register_observer(db.session, hearing, author, utcnow())
    waiting = factory.resident(name="赵六")
    hearings.register_observer(db.session, hearing, waiting, utcnow())
    db.session.commit()
    return author, own, others, hearing, waiting


def test_a_resident_downloads_everything_the_portal_holds_about_them(client, auth, factory):
    author, own, others, hearing, _ = resident_with_history(factory)
    auth.login(author)
    page = client.get("/account/data", headers=EN).get_data(as_text=True)
    assert "Download my data" in page and "Delete your account" in page
    response = client.get("/account/data/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "liming@example.cn" and data["account"]["display_name"] == "李明"
    [mine] = data["suggestions"]
    assert mine["tracking_number"] == own.tracking_number
    assert mine["problem"] == "公交站台没有遮雨棚，雨天候车的老人全身淋湿。"
    assert mine["replies"][0]["body"] == factory.REPLY_BODY
    assert [s["suggestion"]["title"] for s in data["supports"]] == ["为老旧小区加装电梯"]
    assert [s["suggestion"]["title"] for s in data["follows"]] == ["为老旧小区加装电梯"]
    assert [(r["level"], r["comment"]) for r in data["ratings"]] == [("dissatisfied", "答复没有说明时间表")]
    assert [(r["kind"], r["reason"]) for r in data["reviews"]] == [("request_review", "请说明遮雨棚何时建成")]
    assert len(data["notifications"]) >= 1
    [seat] = data["hearing_observer_registrations"]
    assert (seat["hearing"], seat["state"]) == (hearing.reference, "confirmed")


def test_the_download_is_only_ever_ones_own(client, auth, factory):
    resident_with_history(factory)
    stranger = factory.resident(name="孙七", login="sun@example.cn")
    auth.login(stranger)
    data = json.loads(client.get("/account/data/export.json").get_data(as_text=True))
    assert data["account"]["email"] == "sun@example.cn"
    assert data["suggestions"] == data["supports"] == data["follows"] == data["hearing_observer_registrations"] == []


def test_deleting_the_account_needs_the_password_and_a_confirmation(client, auth, factory):
    author = factory.resident(name="李明")
    auth.login(author)
    page = client.post("/account/delete", data={"password": factory.PASSWORD}, headers=EN).get_data(as_text=True)
    assert "Tick the box to confirm." in page
    page = client.post("/account/delete", data={"password": "wrong-password", "confirm": "y"},
                       headers=EN).get_data(as_text=True)
    assert "password is not right" in page
    db.session.refresh(author)
    assert author.deleted_at is None and author.display_name == "李明"


def test_a_deleted_account_is_erased_its_suggestions_stay_anonymous_and_it_cannot_log_in(app, client, auth, factory):
    author, own, others, hearing, waiting = resident_with_history(factory)
    login = author.login_name
    other_device = app.test_client()
    other_device.post("/account/login", data={"login": login, "password": factory.PASSWORD, "remember": "y"})
    auth.login(author)
    response = client.post("/account/delete", data={"password": factory.PASSWORD, "confirm": "y"})
    assert response.status_code == 302
    user = db.session.get(User, author.id)
    assert (user.email, user.phone, user.display_name, user.active) == (None, None, "", False)
    assert user.deleted_at is not None
    # The suggestion stays, on the record and in public, shown as anonymous.
    kept = db.session.get(Suggestion, own.id)
    assert kept.author_id == author.id and kept.show_anonymous
    page = client.get(f"/suggestions/{own.id}", headers=EN).get_data(as_text=True)
    assert own.title in page and "Anonymous" in page and "李*" not in page
    # Follows and notices are gone; the hearing seat went to the person waiting.
    assert db.session.query(Follow).filter_by(user_id=author.id).count() == 0
    assert db.session.query(Notification).filter_by(user_id=author.id).count() == 0
    assert db.session.query(HearingObserver).filter_by(user_id=waiting.id).one().state == "confirmed"
    # Nobody can log in as them any more, here or on the other device.
    page = client.post("/account/login", data={"login": login, "password": factory.PASSWORD},
                       headers=EN).get_data(as_text=True)
    assert "is not right" in page
    assert other_device.get("/account/profile").status_code == 302
    # The identity is free for a new registration.
    assert client.post("/account/register", data={"login": login, "display_name": "新用户", "password": "long-enough-1",
                                                  "confirm": "long-enough-1"}).status_code == 302


def test_staff_cannot_delete_their_account_themselves(client, auth, factory):
    staff = factory.user(Role.OFFICE_STAFF)
    auth.login(staff)
    assert "closed by an administrator" in client.get("/account/data", headers=EN).get_data(as_text=True)
    assert client.post("/account/delete", data={"password": factory.PASSWORD, "confirm": "y"}).status_code == 403
