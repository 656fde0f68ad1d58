"""`flask demo load` gives each role an account that works, and running it twice adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Category, Department, District, Holiday, Role, User
from portal.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD


def _counts():
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (Department, Category, District, User, Holiday)]


def test_demo_load_is_idempotent(runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts[0] == 8 and counts[1] == 7 and counts[2] == 6
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert _counts() == counts


def test_every_demo_account_logs_in_and_has_its_role(runner, app):
    runner.invoke(args=["demo", "load"])
    roles = set()
    for login, _name, role, _dept in DEMO_ACCOUNTS:
        client = app.test_client()
        response = client.post("/account/login", data={"login": login, "password": DEMO_PASSWORD})
        assert response.status_code == 302, login
        assert client.get("/account/profile").status_code == 200
        roles.add(role)
    assert roles == set(Role)
