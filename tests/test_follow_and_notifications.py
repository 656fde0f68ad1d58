"""Follow a suggestion, read notices in one's own language, and turn them off in the profile."""
from __future__ import annotations

from portal.extensions import db
from portal.models import Follow, Notification, Role, Status
from portal.services.notifications import notify

EN = {"Accept-Language": "en"}


def test_anyone_signed_in_can_follow_and_unfollow(client, auth, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    staff = factory.user(Role.DEPARTMENT_STAFF)
    auth.login(staff)
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert ">Follow</button>" in page and "Support this suggestion" not in page
    client.post(f"/suggestions/{suggestion.id}/follow")
    client.post(f"/suggestions/{suggestion.id}/follow")  # a double click is harmless
    assert db.session.query(Follow).count() == 1
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Stop following" in page
    client.post(f"/suggestions/{suggestion.id}/unfollow")
    assert db.session.query(Follow).count() == 0


def test_followers_and_supporters_read_notices_in_their_language(client, auth, factory):
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.ACCEPTED, title="为来衢求职的青年提供短期租房服务")
    follower = factory.resident()
    supporter = factory.resident()
    auth.login(follower)
    client.post(f"/suggestions/{suggestion.id}/follow")
    auth.logout()
    auth.login(supporter)
    client.post(f"/suggestions/{suggestion.id}/support")
    auth.logout()

    notify(db.session, suggestion, "dispatched")
    db.session.commit()
    dispatched = db.session.query(Notification).filter_by(kind="dispatched")
    assert {n.user_id for n in dispatched} == {author.id, follower.id, supporter.id}

    auth.login(follower)
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert "Notifications <span class=\"badge\">1<" in home
    page = client.get("/suggestions/notifications", headers=EN).get_data(as_text=True)
    assert "The suggestion has been sent to the responsible department." in page
    assert "为来衢求职的青年提供短期租房服务" in page
    zh = client.get("/suggestions/notifications", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "The suggestion has been sent" not in zh and "部门" in zh

    client.post("/suggestions/notifications/read")
    assert all(n.read_at for n in db.session.query(Notification).filter_by(user_id=follower.id))
    assert db.session.query(Notification).filter_by(user_id=author.id, kind="dispatched", read_at=None).count() == 1
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert "Notifications <span" not in home


def test_notifications_are_private_to_their_reader(client, auth, factory):
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.ACCEPTED, title="只有作者看得到这条通知")
    notify(db.session, suggestion, "accepted")
    db.session.commit()
    auth.login(factory.resident())
    page = client.get("/suggestions/notifications", headers=EN).get_data(as_text=True)
    assert "只有作者看得到这条通知" not in page and "You have no notifications." in page
    client.post("/suggestions/notifications/read")
    assert all(n.read_at is None for n in db.session.query(Notification).filter_by(user_id=author.id))


def test_the_profile_switch_turns_notifications_off(client, auth, factory):
    author = factory.resident(name="李明")
    suggestion = factory.suggestion(author, status=Status.ACCEPTED)
    auth.login(author)
    client.post("/account/profile", data={"display_name": "李明", "locale": "en"})  # switch left unticked
    db.session.refresh(author)
    assert author.notifications_enabled is False
    notify(db.session, suggestion, "replied")
    db.session.commit()
    assert db.session.query(Notification).filter_by(kind="replied").count() == 0
    page = client.get("/suggestions/notifications", headers=EN).get_data(as_text=True)
    assert "Notifications are turned off in your profile" in page

    client.post("/account/profile", data={"display_name": "李明", "locale": "en", "notifications": "y"})
    notify(db.session, suggestion, "replied")
    db.session.commit()
    assert db.session.query(Notification).filter_by(user_id=author.id, kind="replied").count() == 1


def test_visitors_are_asked_to_log_in_for_notifications(client):
    response = client.get("/suggestions/notifications")
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
