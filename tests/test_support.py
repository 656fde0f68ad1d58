"""附议: one support per resident, never one's own, only while open, exact under concurrent clicks."""
from __future__ import annotations

import threading

import pytest

from portal.extensions import db
from portal.models import DeadlinePolicy, Notification, Role, Status, Support, SuggestionEvent
from portal.services import deadlines

EN = {"Accept-Language": "en"}


def _policy(threshold: int) -> DeadlinePolicy:
    policy = DeadlinePolicy(code="default", name="法定时限", support_threshold=threshold, is_default=True)
    db.session.add(policy)
    db.session.commit()
    return policy


def _flash_after(client, response) -> str:
    return client.get(response.headers["Location"], headers=EN).get_data(as_text=True)


def test_a_resident_supports_once_and_the_page_shows_it(client, auth, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    auth.login(factory.resident())
    before = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Support this suggestion" in before
    page = _flash_after(client, client.post(f"/suggestions/{suggestion.id}/support", headers=EN))
    assert "Thank you for your support." in page and "You support this suggestion." in page
    assert '<dd class="support-count">1</dd>' in page
    again = _flash_after(client, client.post(f"/suggestions/{suggestion.id}/support", headers=EN))
    assert "You have already supported this suggestion." in again
    db.session.refresh(suggestion)
    assert suggestion.support_count == 1 and db.session.query(Support).count() == 1


def test_authors_cannot_support_their_own_suggestion(client, auth, factory):
    author = factory.resident()
    suggestion = factory.suggestion(author, status=Status.DISPATCHED)
    auth.login(author)
    assert "Support this suggestion" not in client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    page = _flash_after(client, client.post(f"/suggestions/{suggestion.id}/support", headers=EN))
    assert "You cannot support your own suggestion." in page
    db.session.refresh(suggestion)
    assert suggestion.support_count == 0


def test_answered_suggestions_are_closed_for_support(client, auth, factory):
    suggestion = factory.replied_suggestion()
    auth.login(factory.resident())
    page = _flash_after(client, client.post(f"/suggestions/{suggestion.id}/support", headers=EN))
    assert "no longer open for support" in page and "Support this suggestion" not in page
    db.session.refresh(suggestion)
    assert suggestion.support_count == 0


def test_unaccepted_suggestions_cannot_be_supported(client, auth, factory):
    suggestion = factory.suggestion()  # submitted: not public, so not even found
    auth.login(factory.resident())
    assert client.post(f"/suggestions/{suggestion.id}/support").status_code == 404
    db.session.refresh(suggestion)
    assert suggestion.support_count == 0


@pytest.mark.parametrize("role", [Role.OFFICE_STAFF, Role.DEPARTMENT_STAFF, Role.ADMIN])
def test_only_residents_support(client, auth, factory, role):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    auth.login(factory.user(role))
    assert client.post(f"/suggestions/{suggestion.id}/support").status_code == 403
    db.session.refresh(suggestion)
    assert suggestion.support_count == 0


def test_a_visitor_is_asked_to_log_in_to_support(client, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    resident = factory.resident()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    login_url = f"/account/login?next=/suggestions/{suggestion.id}"
    assert "Log in to support this suggestion" in page
    assert f'href="{login_url}"' in page
    response = client.post(f"/suggestions/{suggestion.id}/support")  # a stale page's button
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    back = client.post(login_url, data={"login": resident.login_name, "password": factory.PASSWORD})
    assert back.headers["Location"] == f"/suggestions/{suggestion.id}"
    assert "Support this suggestion" in client.get(back.headers["Location"], headers=EN).get_data(as_text=True)


def test_reaching_the_threshold_makes_it_widely_supported_and_shortens_the_reply(client, auth, factory):
    _policy(threshold=2)
    author = factory.resident()
    follower = factory.resident()
    suggestion = factory.suggestion(author, status=Status.DISPATCHED)
    due_before = deadlines.reply_due(db.session, suggestion)
    for _ in range(3):
        auth.login(factory.resident())
        client.post(f"/suggestions/{suggestion.id}/support")
        if _ == 0:
            auth.logout()
            auth.login(follower)
            client.post(f"/suggestions/{suggestion.id}/follow")
        auth.logout()
    db.session.refresh(suggestion)
    assert suggestion.support_count == 3 and suggestion.widely_supported_at is not None
    assert deadlines.reply_due(db.session, suggestion) < due_before
    events = db.session.query(SuggestionEvent).filter_by(action="widely_supported").all()
    assert len(events) == 1 and events[0].is_public
    notified = {n.user_id for n in db.session.query(Notification).filter_by(kind="widely_supported")}
    assert {author.id, follower.id} <= notified
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Widely supported" in page


def test_a_suggestion_under_its_own_policy_counts_to_that_policys_threshold(client, auth, factory):
    _policy(threshold=100)
    own = DeadlinePolicy(code="pilot", name="试点时限", support_threshold=2)
    db.session.add(own)
    db.session.commit()
    suggestion = factory.suggestion(status=Status.DISPATCHED)
    suggestion.policy_id = own.id
    db.session.commit()
    for n in range(2):
        auth.login(factory.resident())
        client.post(f"/suggestions/{suggestion.id}/support")
        auth.logout()
        db.session.refresh(suggestion)
        assert (suggestion.widely_supported_at is not None) == (n == 1)


def _run_concurrently(app, suggestion_id: int, user_ids: list[int]) -> list[int]:
    """Each thread is one browser: its own client and app context, all clicking at once."""
    barrier = threading.Barrier(len(user_ids))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def click(user_id: int):
        try:
            with app.app_context():
                client = app.test_client()
                with client.session_transaction() as session:
                    session["_user_id"] = f"{user_id}.1"  # a new account's session id (User.get_id)
                    session["_fresh"] = True
                barrier.wait(timeout=10)
                statuses.append(client.post(f"/suggestions/{suggestion_id}/support").status_code)
                db.session.remove()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=click, args=(uid,)) for uid in user_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return statuses


def test_concurrent_supports_of_different_residents_are_all_counted(app, factory):
    _policy(threshold=5)
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    residents = [factory.resident() for _ in range(8)]
    statuses = _run_concurrently(app, suggestion.id, [r.id for r in residents])
    assert statuses == [302] * 8
    db.session.rollback()  # a fresh look at what the threads committed
    assert suggestion.support_count == 8
    assert db.session.query(Support).filter_by(suggestion_id=suggestion.id).count() == 8
    assert db.session.query(SuggestionEvent).filter_by(action="widely_supported").count() == 1


def test_one_resident_clicking_many_times_at_once_counts_once(app, factory):
    suggestion = factory.suggestion(status=Status.ACCEPTED)
    resident = factory.resident()
    statuses = _run_concurrently(app, suggestion.id, [resident.id] * 8)
    assert statuses == [302] * 8
    db.session.rollback()
    assert suggestion.support_count == 1
    assert db.session.query(Support).filter_by(suggestion_id=suggestion.id).count() == 1
    assert suggestion.widely_supported_at is None  # the statutory threshold (100) is far away
