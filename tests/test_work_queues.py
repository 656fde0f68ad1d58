"""A clerk's morning: the office queue and the workbenches show today's live work, urgent first.

Imported history never floods them; the due date is stored when a deadline starts or changes;
the metrics and the workbench agree on what is overdue; bulk accept and dispatch go item by item
through the state machine; saved views come back; a page's SQL statements do not grow with the data.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Role, Status, Suggestion, SuggestionEvent
from portal.services import intake, suggestion_import
from portal.timeutil import LOCAL_TZ, utcnow
from tests.statements import count_statements

EN = {"Accept-Language": "en"}


@pytest.fixture
def housing(factory):
    return factory.department("住房和城乡建设局", slug="housing")


@pytest.fixture
def office(factory, auth):
    department = factory.department("人民建议征集办公室", slug="office", is_office=True)
    user = factory.user(Role.OFFICE_STAFF, name="刘洋", department=department)
    auth.login(user)
    return user


def _import_history(count: int, *, category: str = "") -> None:
    """Old messages from the previous system: no reply, so still "accepted" or "dispatched" there."""
    rows = [(n, {"id": f"old-{n}", "title": f"旧系统留言{n:03d}", "body": "多年前的留言内容。",
                 "time": "2018-05-0%d 09:00:00" % (1 + n % 9), "category": category})
            for n in range(count)]
    suggestion_import.import_rows(db.session, rows)
    db.session.commit()


def _local_due_date(suggestion: Suggestion) -> date:
    db.session.refresh(suggestion)
    return suggestion.due_at.astimezone(LOCAL_TZ).date()


# --- the stored due date ----------------------------------------------------------------------

def test_due_date_is_stored_when_a_deadline_starts_or_changes(app, factory, housing):
    office = factory.user(Role.OFFICE_STAFF, name="受理员")
    suggestion = factory.suggestion()
    suggestion.submitted_at = datetime(2026, 3, 1, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai
    db.session.commit()
    assert _local_due_date(suggestion) == date(2026, 3, 16)  # accept within 15 days

    intake.accept(db.session, suggestion, office)
    suggestion.accepted_at = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)
    db.session.commit()
    assert _local_due_date(suggestion) == date(2026, 5, 1)  # reply within 60 days of acceptance

    intake.dispatch(db.session, suggestion, office, housing)
    db.session.commit()
    assert _local_due_date(suggestion) == date(2026, 5, 1)  # dispatch does not move the reply deadline

    staff = factory.department_staff(housing)
    request = intake.request_extension(db.session, suggestion, staff, 20, "需要跨部门协调", utcnow())
    intake.decide_extension(db.session, request, office, True, "同意", utcnow())
    db.session.commit()
    assert _local_due_date(suggestion) == date(2026, 5, 21)

    factory._reply(suggestion)
    db.session.commit()
    db.session.refresh(suggestion)
    assert suggestion.due_at is None  # now the author's turn: nobody on the staff side is waited for


def test_a_review_request_starts_the_offices_deadline(app, factory):
    suggestion = factory.replied_suggestion()
    from portal.services import workflow

    event = workflow.apply_transition(db.session, suggestion, "request_review", suggestion.author, "答非所问")
    db.session.commit()
    expected = (event.created_at.astimezone(LOCAL_TZ) + timedelta(days=30)).date()
    assert _local_due_date(suggestion) == expected


# --- imported history stays out of live work --------------------------------------------------

def test_office_queue_first_page_holds_the_newest_live_items_not_imported_ones(client, factory, office):
    _import_history(30)  # no category: the previous system left them "accepted", long overdue
    fresh = [factory.suggestion(title=f"今天的新建议{n}") for n in range(3)]
    for n, suggestion in enumerate(fresh):
        suggestion.submitted_at = utcnow() - timedelta(hours=3 - n)
    db.session.commit()

    page = client.get("/office/", headers=EN).get_data(as_text=True)
    assert "旧系统留言" not in page
    assert "Suggestions waiting: 3" in page
    box = page[page.index("New since yesterday: 3"):page.index("</section>", page.index("New since yesterday"))]
    assert [t for t in re.findall(r"今天的新建议\d", box)] == ["今天的新建议2", "今天的新建议1", "今天的新建议0"]
    # Imported history is still findable, labelled as imported, in the public list.
    assert db.session.scalar(select(Suggestion).where(Suggestion.external_id == "old-1")).imported


def test_workbench_leaves_imported_history_out(client, auth, factory, housing):
    factory.category("城乡建设", department=housing)
    _import_history(5, category="城乡建设")  # dispatched to housing in the old system, never answered
    live = factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="本月的建议")
    staff = factory.department_staff(housing)
    auth.login(staff)
    page = client.get("/department/", headers=EN).get_data(as_text=True)
    assert live.title in page and "旧系统留言" not in page
    counts = page[page.index('class="counts"'):page.index("</ul>", page.index('class="counts"'))]
    assert ">0</strong> overdue" in counts


def test_metrics_leave_imported_history_out_and_say_so(client, factory, housing):
    factory.category("城乡建设", department=housing)
    _import_history(4, category="城乡建设")
    live = factory.replied_suggestion(lead_department=housing)
    page = client.get("/metrics/", headers=EN).get_data(as_text=True)
    assert "4 suggestions imported from the previous system are left out" in page
    from portal.services.metrics import compute_metrics

    metrics = compute_metrics(db.session)
    assert metrics.on_time_closure.denominator == 1  # the live reply only
    assert metrics.online_share.denominator == 1
    assert live.status == Status.REPLIED.value


# --- one definition of overdue ----------------------------------------------------------------

def test_metrics_and_workbench_agree_on_overdue(client, auth, factory, housing):
    late = [factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title=f"超期{n}")
            for n in range(2)]
    for suggestion in late:
        suggestion.accepted_at = utcnow() - timedelta(days=70)
    factory.suggestion(status=Status.DISPATCHED, lead_department=housing, title="未超期")
    waiting = factory.suggestion(title="超期未受理")
    waiting.submitted_at = utcnow() - timedelta(days=20)
    db.session.commit()

    metrics_page = client.get("/metrics/", headers=EN).get_data(as_text=True)
    table = metrics_page[metrics_page.index('class="overdue-now"'):]
    table = table[:table.index("</table>")]
    assert re.search(r"The suggestion office</th><td>1<", table)
    assert re.search(r"Department \d+</th><td>2<", table)

    auth.login(factory.department_staff(housing))
    workbench = client.get("/department/", headers=EN).get_data(as_text=True)
    counts = workbench[workbench.index('class="counts"'):workbench.index("</ul>", workbench.index('class="counts"'))]
    assert ">2</strong> overdue" in counts
    listed = client.get("/department/?overdue=1", headers=EN).get_data(as_text=True)
    assert "超期0" in listed and "超期1" in listed and "未超期" not in listed


# --- filters, counts per state, saved views ---------------------------------------------------

def test_counts_per_state_and_due_soon_filter(client, factory, office):
    soon = factory.suggestion(title="快到期的建议")
    soon.submitted_at = utcnow() - timedelta(days=12)  # 15 days to accept: due in about 3 days
    factory.suggestion(title="刚收到的建议")
    factory.suggestion(status=Status.ACCEPTED, title="等待交办的建议")
    db.session.commit()
    page = client.get("/office/", headers=EN).get_data(as_text=True)
    nav = page[page.index('aria-label="Counts per state"'):]
    nav = nav[:nav.index("</nav>")]
    assert re.search(r"All</strong>\s*<span class=\"badge\">3<", nav)
    assert re.search(r"Submitted, awaiting acceptance</a>\s*<span class=\"badge\">2<", nav)
    assert re.search(r"Accepted</a>\s*<span class=\"badge\">1<", nav)
    due_soon = client.get("/office/?due_soon=1", headers=EN).get_data(as_text=True)
    assert "快到期的建议" in due_soon and "刚收到的建议" not in due_soon


def test_saved_views_are_per_user(client, auth, factory, office):
    factory.suggestion(title="普通建议")
    late = factory.suggestion(title="超期建议")
    late.submitted_at = utcnow() - timedelta(days=20)
    db.session.commit()
    response = client.post("/office/views", data={"name": "超期的", "query": "overdue=1&bogus=x"})
    assert response.status_code == 302 and "overdue=1" in response.headers["Location"]
    page = client.get("/office/", headers=EN).get_data(as_text=True)
    link = re.search(r'href="([^"]+)">超期的</a>', page).group(1)
    assert "bogus" not in link
    filtered = client.get(link.replace("&amp;", "&"), headers=EN).get_data(as_text=True)
    assert "超期建议" in filtered and "普通建议" not in filtered

    view_id = int(re.search(r"/office/views/(\d+)/delete", page).group(1))
    colleague = factory.user(Role.OFFICE_STAFF, name="王强")
    auth.logout()
    auth.login(colleague)
    assert "超期的" not in client.get("/office/", headers=EN).get_data(as_text=True)
    client.post(f"/office/views/{view_id}/delete")
    auth.logout()
    auth.login(office)
    assert "超期的" in client.get("/office/", headers=EN).get_data(as_text=True)
    client.post(f"/office/views/{view_id}/delete")
    assert "超期的" not in client.get("/office/", headers=EN).get_data(as_text=True)


# --- bulk accept and dispatch -----------------------------------------------------------------

def _actions(suggestion) -> list[str]:
    return list(db.session.scalars(select(SuggestionEvent.action).where(
        SuggestionEvent.suggestion_id == suggestion.id).order_by(SuggestionEvent.id)))


def test_bulk_accept_confirms_first_then_moves_each_item_and_reports_the_rest(client, factory, office):
    first, second = factory.suggestion(title="甲建议"), factory.suggestion(title="乙建议")
    asking = factory.needs_info_suggestion(title="丙建议")
    ids = [first.id, second.id, asking.id]

    confirm = client.post("/office/bulk", data={"action": "accept", "ids": ids}, headers=EN)
    text = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "Accept these suggestions?" in text
    assert "Yes, accept 2 suggestions" in text and "it is not waiting to be accepted" in text
    db.session.expire_all()
    assert first.status == Status.SUBMITTED.value  # nothing changed before the confirmation

    done = client.post("/office/bulk", data={"action": "accept", "ids": ids, "confirmed": "yes"}, headers=EN,
                       follow_redirects=True).get_data(as_text=True)
    assert "Accepted 2 suggestions." in done
    assert f"{asking.tracking_number} was not changed: it is not waiting to be accepted" in done
    assert (first.status, second.status, asking.status) == ("accepted", "accepted", "needs_info")
    assert _actions(first) == ["accept"] and _actions(second) == ["accept"]


def test_bulk_dispatch_sends_clear_cases_to_the_categorys_department(client, factory, office, housing):
    rent = factory.category("城乡建设", department=housing)
    clear = factory.suggestion(status=Status.ACCEPTED, category=rent, title="租房建议")
    unclear = factory.suggestion(status=Status.ACCEPTED, title="无类别建议")
    confirm = client.post("/office/bulk", data={"action": "dispatch", "ids": [clear.id, unclear.id]},
                          headers=EN).get_data(as_text=True)
    assert "will be dispatched to Department" in confirm
    assert "its category names no department" in confirm
    client.post("/office/bulk", data={"action": "dispatch", "ids": [clear.id, unclear.id], "confirmed": "yes"})
    assert clear.status == Status.DISPATCHED.value and clear.lead_department_id == housing.id
    assert unclear.status == Status.ACCEPTED.value
    assert _actions(clear) == ["accept", "dispatch"]


def test_bulk_refuses_a_list_of_nonsense_with_a_message(client, office):
    response = client.post("/office/bulk", data={"action": "accept", "ids": ["x"]}, headers=EN,
                           follow_redirects=True)
    assert "Select between 1 and 100 suggestions from the list." in response.get_data(as_text=True)
    response = client.post("/office/bulk", data={"action": "accept", "ids": [str(n) for n in range(101)]},
                           headers=EN, follow_redirects=True)
    assert "Select between 1 and 100 suggestions from the list." in response.get_data(as_text=True)


# --- statements per page do not grow with the data --------------------------------------------

def _fill(factory, housing, count: int) -> None:
    author = factory.resident()
    district = factory.district()
    rent = factory.category("城乡建设", department=housing)
    for n in range(count):
        factory.suggestion(author, title=f"建议{n}", category=rent, district=district)
        factory.suggestion(author, status=Status.DISPATCHED, category=rent, district=district,
                           lead_department=housing, title=f"交办{n}")


@pytest.mark.parametrize("path", ["/office/", "/office/?sort=newest&overdue=1", "/department/"])
def test_queue_pages_issue_the_same_number_of_statements_at_two_sizes(app, client, auth, factory, office,
                                                                      housing, path):
    staff = factory.department_staff(housing)
    if path.startswith("/department"):
        auth.logout()
        auth.login(staff)
    _fill(factory, housing, 3)
    with count_statements(db.engine) as small:
        assert client.get(path).status_code == 200
    _fill(factory, housing, 30)
    with count_statements(db.engine) as large:
        assert client.get(path).status_code == 200
    assert large.count == small.count, large.statements
