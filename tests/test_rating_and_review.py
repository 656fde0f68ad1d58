"""The author rates the reply, may ask for a review (复查) and a second review (复核), within the limits."""
from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.models import DeadlinePolicy, Rating, Role, Status
from portal.services import intake
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}


def _page_after(client, response) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"], headers=EN).get_data(as_text=True)


def test_the_author_sees_the_reply_at_once_and_a_satisfied_rating_closes(client, auth, factory):
    author = factory.resident()
    suggestion = factory.replied_suggestion(author, body="经研究，采纳您的建议。")
    public_page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "经研究，采纳您的建议。" not in public_page  # not yet published
    auth.login(author)
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "经研究，采纳您的建议。" in page and "Rate the answer" in page and "Not yet published" in page
    done = _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate",
                                           data={"level": "basically_satisfied", "comment": "基本解决"}, headers=EN))
    assert "The suggestion is now closed." in done and "Rate the answer" not in done
    db.session.refresh(suggestion)
    assert suggestion.status == Status.CLOSED.value and suggestion.closed_at is not None
    assert db.session.query(Rating).one().level == "basically_satisfied"


def test_a_rating_must_be_chosen(client, auth, factory):
    author = factory.resident()
    suggestion = factory.replied_suggestion(author)
    auth.login(author)
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"comment": "?"}, headers=EN))
    assert "Choose one of the three." in page
    assert db.session.query(Rating).count() == 0


def test_dissatisfied_then_review_then_second_review_then_final(client, auth, factory):
    author = factory.resident()
    suggestion = factory.replied_suggestion(author)
    auth.login(author)
    # A review needs a dissatisfied rating first.
    early = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                            data={"reason": "答复没有回应我提出的租期问题。"}, headers=EN))
    assert "Rate the answer as dissatisfied first" in early
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate",
                                           data={"level": "dissatisfied", "comment": "答非所问"}, headers=EN))
    assert "you can now request a review" in page and "Request a review" in page
    short = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review", data={"reason": "短"}, headers=EN))
    assert "Please write between 10" in short
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                           data={"reason": "答复没有回应我提出的租期问题。", "confirmed": "1"},
                                           headers=EN))
    assert "Your request for a review has been sent." in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.IN_REVIEW.value

    # The office answers the review (its page is built elsewhere).
    office = factory.user(Role.OFFICE_STAFF)
    intake.answer_review(db.session, suggestion, office, "经复查，已要求部门补充答复租期问题。")
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "经复查，已要求部门补充答复租期问题。" in page and "Rate the answer" in page
    _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "dissatisfied"}, headers=EN))
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                           data={"reason": "复查意见仍未解决问题，申请复核。", "confirmed": "1"},
                                           headers=EN))
    assert "Your request for a second review has been sent." in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.IN_SECOND_REVIEW.value

    intake.answer_review(db.session, suggestion, office, "经复核，维持复查意见。")
    db.session.commit()
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "The matter is final." in page and "经复核，维持复查意见。" in page
    assert "Request a" not in page and "Rate the answer" not in page
    refused = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                              data={"reason": "还想再申请一次复核可以吗"}, headers=EN))
    assert "A review cannot be requested now." in refused


def test_a_satisfied_rating_of_the_review_answer_closes(client, auth, factory):
    author = factory.resident()
    suggestion = factory.reviewed_suggestion(author)
    auth.login(author)
    _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "satisfied"}, headers=EN))
    db.session.refresh(suggestion)
    assert suggestion.status == Status.CLOSED.value


def test_rating_after_the_limit_is_refused_with_the_date(client, auth, factory):
    author = factory.resident()
    suggestion = factory.replied_suggestion(author, replied_at=utcnow() - timedelta(days=31))
    auth.login(author)
    page = client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "The time to rate this answer ended on" in page and "Send my rating" not in page
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "dissatisfied"},
                                           headers=EN))
    assert "The time to rate this answer ended on" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value and db.session.query(Rating).count() == 0


def test_review_request_after_the_policy_limit_is_refused(client, auth, factory):
    db.session.add(DeadlinePolicy(code="default", name="本市", review_request_days=10, rating_days=30,
                                  is_default=True))
    db.session.commit()
    author = factory.resident()
    suggestion = factory.replied_suggestion(author, replied_at=utcnow() - timedelta(days=12))
    auth.login(author)
    _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "dissatisfied"}, headers=EN))
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                           data={"reason": "答复没有回应我提出的租期问题。"}, headers=EN))
    assert "The time to request a review ended on" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value


def test_second_review_after_the_limit_is_refused(client, auth, factory):
    author = factory.resident()
    suggestion = factory.reviewed_suggestion(author, answered_at=utcnow() - timedelta(days=40))
    reply = suggestion.replies[-1]
    db.session.add(Rating(reply=reply, suggestion_id=suggestion.id, level="dissatisfied"))
    db.session.commit()
    auth.login(author)
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/review",
                                           data={"reason": "复查意见仍未解决问题，申请复核。"}, headers=EN))
    assert "The time to request a review ended on" in page
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REVIEWED.value


def test_only_the_author_rates_and_requests_reviews(client, auth, factory):
    suggestion = factory.replied_suggestion()
    auth.login(factory.resident())
    assert "Rate the answer" not in client.get(f"/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "satisfied"}).status_code == 403
    assert client.post(f"/suggestions/{suggestion.id}/review", data={"reason": "x" * 20}).status_code == 403
    db.session.refresh(suggestion)
    assert suggestion.status == Status.REPLIED.value and db.session.query(Rating).count() == 0


def test_an_answer_is_rated_once(client, auth, factory):
    author = factory.resident()
    suggestion = factory.replied_suggestion(author)
    auth.login(author)
    client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "dissatisfied"})
    page = _page_after(client, client.post(f"/suggestions/{suggestion.id}/rate", data={"level": "satisfied"},
                                           headers=EN))
    assert "You have already rated this answer." in page
    assert db.session.query(Rating).one().level == "dissatisfied"
