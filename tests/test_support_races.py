"""Supports stay exact while the office merges a duplicate and residents click at the same moment.

Real concurrency: 200 threads, each its own browser (client, app context, database connection
from a pool of 16, as a few gunicorn workers would have), released together by a barrier.
"""
from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, Status, Suggestion, Support, SuggestionEvent, User
from portal.services import suggestions as suggestions_service

EN = {"Accept-Language": "en"}
_phones = itertools.count(13000000000)


@pytest.fixture
def app_config(app_config):
    # Index work and limits are beside the point here (and have their own tests).
    return {**app_config, "RATELIMIT_ENABLED": False, "SEARCH_SYNC_INLINE": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 16, "max_overflow": 0,
                                          "pool_timeout": 300}}


def _residents(count: int) -> list[int]:
    """Residents inserted directly: the threads sign them in through the session cookie."""
    users = [User(display_name="居民", role=Role.RESIDENT.value, phone=str(next(_phones)), password_hash="-")
             for _ in range(count)]
    db.session.add_all(users)
    db.session.commit()
    return [u.id for u in users]


def _supported(suggestion: Suggestion, user_ids: list[int]) -> None:
    db.session.add_all(Support(suggestion_id=suggestion.id, user_id=uid) for uid in user_ids)
    suggestion.support_count += len(user_ids)
    db.session.commit()


def _all_at_once(app, posts: list[tuple[int, str, dict]]) -> list[tuple[str, int | str]]:
    """POST each (user id, path, form) from its own thread, all released together."""
    barrier = threading.Barrier(len(posts))
    results: list[tuple[str, int | str]] = []
    errors: list[BaseException] = []

    def send(user_id: int, path: str, form: dict):
        try:
            with app.app_context():
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"] = f"{user_id}.1"  # a new account's session id (User.get_id)
                    session["_fresh"] = True
                barrier.wait(timeout=120)
                response = client.post(path, data=form)
                # A redirect to the log-in page would mean the session was not taken as signed in.
                signed_out = "/account/login" in response.headers.get("Location", "")
                results.append((path, "signed out" if signed_out else response.status_code))
                db.session.remove()
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == []
    return results


def _rows(suggestion_id: int) -> set[int]:
    return set(db.session.scalars(select(Support.user_id).where(Support.suggestion_id == suggestion_id)))


def test_two_hundred_clicks_during_a_duplicate_merge_count_every_resident_once(app, factory):
    office = factory.user(Role.OFFICE_STAFF)
    target = factory.suggestion(status=Status.ACCEPTED, title="老旧小区加装电梯")
    duplicate = factory.suggestion(status=Status.ACCEPTED, title="给老小区装电梯")
    only_duplicate, only_target, both = _residents(40), _residents(20), _residents(20)
    _supported(duplicate, only_duplicate + both)
    _supported(target, only_target + both)
    new_on_duplicate, new_on_target = _residents(60), _residents(79)

    posts = [(office.id, f"/office/suggestions/{duplicate.id}/duplicate", {"target": target.tracking_number, "confirmed": "1"})]
    posts += [(uid, f"/suggestions/{target.id}/support", {}) for uid in only_duplicate + new_on_target]
    posts += [(uid, f"/suggestions/{duplicate.id}/support", {}) for uid in both + new_on_duplicate]
    assert len(posts) == 200
    results = _all_at_once(app, posts)

    assert len(results) == 200
    assert all(status == 302 for _path, status in results), sorted({str(s) for _p, s in results})
    db.session.rollback()  # a fresh look at what the 200 requests committed
    expected = set(only_duplicate + only_target + both + new_on_duplicate + new_on_target)
    assert len(expected) == 219
    assert _rows(target.id) == expected
    assert db.session.get(Suggestion, target.id).support_count == 219
    assert _rows(duplicate.id) == set()
    assert db.session.get(Suggestion, duplicate.id).support_count == 0
    assert db.session.get(Suggestion, duplicate.id).status == Status.DUPLICATE.value
    # The statutory threshold (100) was crossed once, whichever request crossed it.
    assert db.session.scalar(select(func.count()).select_from(SuggestionEvent).where(
        SuggestionEvent.suggestion_id == target.id, SuggestionEvent.action == "widely_supported")) == 1


def test_two_hundred_residents_racing_one_support_each_are_all_counted(app, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    residents = _residents(100)
    posts = [(uid, f"/suggestions/{suggestion.id}/support", {}) for uid in residents for _ in range(2)]
    results = _all_at_once(app, posts)
    assert [status for _path, status in results] == [302] * 200
    db.session.rollback()
    assert _rows(suggestion.id) == set(residents)
    assert db.session.get(Suggestion, suggestion.id).support_count == 100


def test_supporting_a_suggestion_just_merged_lands_on_the_target(client, auth, factory):
    office = factory.user(Role.OFFICE_STAFF)
    target = factory.suggestion(status=Status.ACCEPTED)
    duplicate = factory.suggestion(status=Status.ACCEPTED)
    resident = factory.resident()
    auth.login(office)
    assert client.post(f"/office/suggestions/{duplicate.id}/duplicate",
                       data={"target": target.tracking_number, "confirmed": "1"}).status_code == 302
    auth.logout()
    auth.login(resident)
    # The resident's page still shows the duplicate's button.
    response = client.post(f"/suggestions/{duplicate.id}/support", headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == f"/suggestions/{target.id}"
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Thank you for your support." in page and '<dd class="support-count">1</dd>' in page
    assert _rows(target.id) == {resident.id} and _rows(duplicate.id) == set()


def test_a_support_and_its_count_commit_together(app, factory):
    """If anything fails after the support row is written, neither the row nor the count stays."""
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    resident = factory.resident()
    assert suggestions_service.support(db.session, suggestion, resident) is True
    db.session.rollback()  # the request failed after the support, before its commit
    assert _rows(suggestion.id) == set()
    assert db.session.get(Suggestion, suggestion.id).support_count == 0
    assert suggestions_service.support(db.session, suggestion, resident) is True
    db.session.commit()
    assert _rows(suggestion.id) == {resident.id}
    assert db.session.get(Suggestion, suggestion.id).support_count == 1
