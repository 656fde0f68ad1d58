"""`flask demo load`: each role's account works, the 有礼租 story is complete, twice adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Category, Department, District, Holiday, Role, Status, Suggestion, User
from portal.services import demo
from portal.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def _counts():
    return [db.session.scalar(select(func.count()).select_from(m))
            for m in (Department, Category, District, User, Holiday, Suggestion)]


def test_demo_load_is_idempotent(app):
    demo.load(db.session, shared_data=None)
    db.session.commit()
    counts = _counts()
    assert counts[:3] == [8, 7, 6] and counts[5] >= 9
    demo.load(db.session, shared_data=None)
    db.session.commit()
    assert _counts() == counts


def test_every_demo_account_logs_in_and_has_its_role(runner, app, monkeypatch):
    monkeypatch.setattr(demo, "SHARED_DATA", demo.SHARED_DATA / "not-here")
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    roles = set()
    for login, _name, role, _dept in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/account/login", data={"login": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302, login
        assert client.get("/account/profile").status_code == 200
        roles.add(role)
    assert roles == set(Role)


def test_the_youlizu_story_is_complete_on_its_public_page(app, client):
    demo.load(db.session, shared_data=None)
    db.session.commit()
    story = db.session.scalar(select(Suggestion).where(Suggestion.external_id == "demo:youlizu"))
    assert story.status == Status.CLOSED.value and story.decision == "adopted"
    page = client.get(f"/suggestions/{story.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for expected in ("Adopted", "有礼租", "房源", "50", "112", "13", "套", "李*", "100%"):
        assert expected in page, expected
    assert "李明" not in page and "13800000001" not in page
    states = set(db.session.scalars(select(Suggestion.status).where(Suggestion.external_id.like("demo:%"))))
    assert {"submitted", "needs_info", "declined", "accepted", "dispatched", "replied", "in_review", "closed"} <= states


def test_shared_messages_are_loaded_in_various_states(app, shared_data):
    demo.load_reference_data(db.session)  # categories route the messages to their departments
    imported = demo.load_shared_messages(db.session, shared_data)
    db.session.commit()
    assert imported > 400
    assert demo.load_shared_messages(db.session, shared_data) == 0
    states = dict(db.session.execute(select(Suggestion.status, func.count()).group_by(Suggestion.status)).all())
    assert states.get("dispatched", 0) > 100 and states.get("replied", 0) > 50
