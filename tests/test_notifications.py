"""Notices reach the author, supporters and followers who want them; mail only after commit."""
from __future__ import annotations

import logging

from portal.extensions import db
from portal.models import Follow, Notification, Support
from portal.services.notifications import notify


def _people(factory):
    author = factory.resident(name="作者")
    supporter = factory.resident(name="附议人")
    follower = factory.resident(name="关注人")
    quiet = factory.resident(name="不想收")
    quiet.notifications_enabled = False
    suggestion = factory.suggestion(author)
    for user in (supporter, quiet):
        db.session.add(Support(suggestion_id=suggestion.id, user_id=user.id))
    db.session.add(Follow(suggestion_id=suggestion.id, user_id=follower.id))
    db.session.commit()
    return suggestion, author, supporter, follower, quiet


def test_everyone_concerned_is_notified_once(app, factory):
    suggestion, author, supporter, follower, quiet = _people(factory)
    db.session.add(Follow(suggestion_id=suggestion.id, user_id=supporter.id))  # supports and follows
    assert notify(db.session, suggestion, "accepted") == 3
    db.session.commit()
    notified = sorted(n.user_id for n in db.session.query(Notification))
    assert notified == sorted([author.id, supporter.id, follower.id])


def test_mail_goes_out_only_when_the_change_commits(app, factory, caplog):
    suggestion, *_ = _people(factory)
    caplog.set_level(logging.INFO, logger="portal.mail")
    notify(db.session, suggestion, "replied")
    db.session.rollback()
    assert "mail to" not in caplog.text
    notify(db.session, suggestion, "replied")
    assert "mail to" not in caplog.text
    db.session.commit()
    assert caplog.text.count("mail to") == 3 and suggestion.tracking_number in caplog.text
