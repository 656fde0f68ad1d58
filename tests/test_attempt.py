"""One place commits a request's changes: `portal.attempt` (commit, or roll back and show the refusal)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.attempt import attempt, commit
from portal.extensions import db
from portal.models import Department
from portal.services.accounts import AccountError

PORTAL = Path(__file__).resolve().parents[1] / "portal"


def _departments() -> list[str]:
    db.session.rollback()  # read what is committed, not what the session still holds
    return list(db.session.scalars(select(Department.slug).order_by(Department.slug)))


def _add_department(slug: str) -> Department:
    department = Department(name=f"部门 {slug}", slug=slug)
    db.session.add(department)
    db.session.flush()
    return department


def test_a_call_that_succeeds_is_committed_and_its_value_returned(app):
    done = attempt(lambda: _add_department("transport"), AccountError)
    assert done.ok and done.error is None and done.value.slug == "transport"
    assert _departments() == ["transport"]


def test_a_refused_call_is_rolled_back_and_its_error_returned(app):
    def refused():
        _add_department("housing")
        raise AccountError("wrong_code", left=2)

    done = attempt(refused, AccountError)
    assert not done.ok and done.value is None
    assert isinstance(done.error, AccountError) and done.error.code == "wrong_code"
    assert _departments() == []


def test_keep_refused_commits_what_the_refused_call_changed(app):
    # A wrong verification code still counts as a try.
    def counted_then_refused():
        _add_department("counted")
        raise AccountError("wrong_code", left=1)

    done = attempt(counted_then_refused, AccountError, keep_refused=True)
    assert not done.ok and done.error.code == "wrong_code"
    assert _departments() == ["counted"]


def test_an_error_the_view_did_not_name_propagates_and_nothing_is_committed(app):
    def broken():
        _add_department("half-done")
        raise ValueError("a bug")

    with pytest.raises(ValueError):
        attempt(broken, AccountError)
    assert _departments() == []  # the request's teardown rolls back; here the helper above does


def test_a_refusal_raised_by_the_commit_itself_is_rolled_back_and_returned(app):
    commit(lambda: _add_department("education"))

    def clash():  # the unique slug is only checked when the commit flushes
        db.session.add(Department(name="另一个教育局", slug="education"))

    done = attempt(clash, IntegrityError)
    assert not done.ok and isinstance(done.error, IntegrityError)
    assert _departments() == ["education"]
    assert db.session.scalar(select(func.count()).select_from(Department)) == 1  # the session is usable again


def _direct_commits(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "session"]


def test_request_code_commits_only_through_attempt():
    # Views and their helpers (blueprints, *_views.py, the app's own modules) never call session.commit();
    # background jobs and command-line commands (services' sync loops, portal/commands) keep their own.
    request_code = [p for p in PORTAL.rglob("*.py")
                    if "commands" not in p.parts and "services" not in p.parts and p.name != "attempt.py"]
    assert len(request_code) > 40
    offenders = {str(p.relative_to(PORTAL)): lines for p in request_code if (lines := _direct_commits(p))}
    assert offenders == {}
