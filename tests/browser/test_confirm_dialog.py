"""With JavaScript, an irreversible action asks in a dialog on the same page (confirm-dialog.js):
Escape and "Cancel" leave everything as it was and the form as typed, "yes" acts in one request.
The dialog passes axe while open."""
from __future__ import annotations

from portal.extensions import db
from portal.models import Role, Status, Suggestion
from tests.browser.actions import submit
from tests.browser.test_accessibility import _violations
from tests.browser.test_department_pages import _log_in


def _status(suggestion_id: int) -> str:
    db.session.rollback()  # end the test's read snapshot to see what the browser committed
    return db.session.get(Suggestion, suggestion_id).status


def test_accepting_asks_in_a_dialog_and_acts_in_one_request(app, live_server, page, factory):
    suggestion = factory.suggestion(title="为来衢求职青年提供短期租房")
    _log_in(page, live_server, factory.user(Role.OFFICE_STAFF))
    page.goto(live_server + f"/office/suggestions/{suggestion.id}")
    accept_form = page.locator(f"form[action$='/suggestions/{suggestion.id}/accept']")
    accept_form.get_by_label("公开文字").fill("已受理，将尽快交办。")
    accept = page.get_by_role("button", name="受理", exact=True)

    accept.click()
    dialog = page.get_by_role("dialog", name="受理这条建议吗？")
    assert dialog.is_visible()
    assert "建议将在平台上公开（个人信息已遮蔽），并通知建议人已受理。" in dialog.inner_text()
    assert "已受理，将尽快交办。" in dialog.inner_text()  # what will be sent
    assert page.evaluate("document.activeElement.id") == "confirm-dialog"
    assert _violations(page) == []

    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.value") == "受理"  # back on the button that asked
    accept.click()
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    assert _status(suggestion.id) == Status.SUBMITTED.value
    assert accept_form.get_by_label("公开文字").input_value() == "已受理，将尽快交办。"

    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    accept.click()
    page.keyboard.press("Tab")  # from the dialog to its first button, by keyboard
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert posts == [live_server + f"/office/suggestions/{suggestion.id}/accept"]  # no confirmation page between
    assert "已受理。已告知建议人，该建议现已公开。" in page.content()
    assert "将发生什么" not in page.content()
    assert _status(suggestion.id) == Status.ACCEPTED.value


def test_adding_a_part_to_a_split_does_not_ask(app, live_server, page, factory):
    original = factory.suggestion(title="小区路灯和垃圾分类两件事")
    _log_in(page, live_server, factory.user(Role.OFFICE_STAFF))
    page.goto(live_server + f"/office/suggestions/{original.id}/split")
    submit(page.get_by_role("button", name="再加一项"))
    assert page.locator("input[name='parts-2-title']").count() == 1
    assert not page.get_by_role("dialog").is_visible()
    assert _status(original.id) == Status.SUBMITTED.value
