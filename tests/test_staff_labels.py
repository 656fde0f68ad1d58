"""Staff pages show every audit code in words, in the reader's language, never the raw code."""
from __future__ import annotations

import re

from portal.extensions import db
from portal.models import Role, Status
from portal.services import handling, intake
from portal.timeutil import utcnow

EN = {"Accept-Language": "en"}
# Every action the services write to the audit trail (workflow transitions and milestones).
ACTIONS = ("withdraw", "request_info", "resubmit", "accept", "decline", "mark_duplicate", "split", "split_from",
           "registered_on_behalf", "dispatch", "dispute_dispatch", "extension_requested", "extension_approved",
           "extension_refused", "reply", "request_review", "answer_review", "request_second_review",
           "answer_second_review", "close", "widely_supported", "hearing_scheduled", "hearing_postponed",
           "hearing_cancelled", "hearing_concluded", "submit", "published", "converted", "conversion_updated", "progress",
           "contribution", "retract_reply")


def test_every_audit_action_has_a_label(app):
    from portal import labels

    with app.test_request_context(headers=EN):
        unlabelled = [code for code in ACTIONS if labels.event(code) == code]
    assert unlabelled == []


def test_department_timeline_shows_extension_and_contribution_in_words(client, auth, factory):
    housing = factory.department("住房和城乡建设局")
    water = factory.department("水利局")
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    suggestion = factory.suggestion(status=Status.ACCEPTED, office=office)
    intake.dispatch(db.session, suggestion, office, housing, [water])
    staff = factory.department_staff(housing)
    intake.request_extension(db.session, suggestion, staff, 10, "需要跨部门协调", utcnow())
    handling.add_contribution(db.session, suggestion, factory.department_staff(water), "水利局意见：同意。")
    db.session.commit()
    auth.login(staff)
    page = client.get(f"/department/suggestions/{suggestion.id}", headers=EN).get_data(as_text=True)
    assert "Extension requested" in page and "Contribution of a co-handling department" in page
    # A timeline line is "<time></span> <label>": never the stored code.
    assert re.search(r"</span> (extension_requested|contribution|dispatch|accept)\b", page) is None


def test_a_walked_through_suggestion_shows_no_raw_code_on_staff_timelines(client, auth, factory):
    """Submitted, accepted, dispatched, extension requested and approved, a hearing scheduled: the office's
    and the department's timelines name each step in words, in every language."""
    from portal.services import workflow

    housing = factory.department("住房和城乡建设局")
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    suggestion = factory.suggestion(status=Status.SUBMITTED)
    workflow.record_event(db.session, suggestion, "submit", suggestion.author)
    workflow.apply_transition(db.session, suggestion, "accept", office)
    intake.dispatch(db.session, suggestion, office, housing, [])
    staff = factory.department_staff(housing)
    request = intake.request_extension(db.session, suggestion, staff, 10, "需要跨部门协调", utcnow())
    intake.decide_extension(db.session, request, office, True, "同意延期", utcnow())
    workflow.record_event(db.session, suggestion, "hearing_scheduled", factory.user(Role.HEARING_AUTHORITY))
    db.session.commit()
    codes = re.compile(r"\b(extension_requested|extension_approved|hearing_scheduled|registered_on_behalf)\b")
    # One-word codes are English words too ("Dispute the dispatch"): looked for where a label stands.
    word_codes = re.compile(r"(?:<td>|</span>|—)\s*(submit|accept|dispatch)\b")
    pages = ((office, f"/office/suggestions/{suggestion.id}"), (staff, f"/department/suggestions/{suggestion.id}"))
    for user, url in pages:
        auth.login(user)
        for language in ("en", "zh-Hans", "zh-Hant"):
            page = client.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
            visible = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S))
            found = codes.search(visible)
            assert found is None, (url, language, visible[max(0, found.start() - 80):found.end() + 40])
            assert word_codes.search(page) is None, (url, language, word_codes.search(page).group(0))
            if language == "en":
                assert all(label in visible for label in ("Submitted", "Extension requested", "Extension approved",
                                                           "Hearing scheduled", "Dispatched to the department"))
        auth.logout()


def test_every_member_selection_problem_has_a_label(app):
    """The public audit page names why a selection does not verify in words, not panel_selection's codes."""
    from pathlib import Path

    import panel_selection
    from panel_selection.verify import _OUTCOME_CODES
    from portal import labels

    source = "".join(path.read_text() for path in Path(panel_selection.__file__).parent.glob("*.py"))
    codes = set(re.findall(r'Problem\("([a-z_]+)"', source)) | set(_OUTCOME_CODES.values())
    assert len(codes) > 30
    with app.test_request_context(headers=EN):
        assert sorted(code for code in codes if labels.selection_problem(code) == code) == []
        assert labels.selection_problem("seed_mismatch") == "The seed differs from the recomputed one"
