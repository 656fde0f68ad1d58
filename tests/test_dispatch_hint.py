"""The office's dispatch page proposes the department that handled the most similar suggestions."""
from __future__ import annotations

import re

from portal.models import Role, Status

EN = {"Accept-Language": "en"}


def selected_lead(page: str) -> str:
    """The department name pre-selected in the lead department list."""
    lead = re.search(r'<select[^>]*name="lead_id"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r"<option[^>]*selected[^>]*>([^<]*)</option>", lead).group(1)


def test_dispatch_page_suggests_and_preselects_the_department_of_similar_suggestions(client, auth, factory):
    hrss = factory.department("人力资源和社会保障局", slug="hrss", name_en="Human Resources Bureau")
    housing = factory.department("住房和城乡建设局", slug="housing", name_en="Housing Bureau")
    office = factory.user(Role.OFFICE_STAFF)
    for title in ("住房公积金提取手续太复杂", "公积金异地转移办理难", "灵活就业人员缴存公积金"):
        factory.suggestion(status=Status.DISPATCHED, title=title, problem=f"{title}，希望简化办理流程。",
                           lead_department=hrss, office=office)
    factory.suggestion(status=Status.DISPATCHED, title="小区道路破损需要修补", problem="小区道路坑洼不平。",
                       lead_department=housing, office=office)
    # the category would send it to housing; the similar suggestions went to hrss
    new = factory.suggestion(status=Status.ACCEPTED, title="公积金提取能否全程网办",
                             problem="提取住房公积金要跑好几趟。", office=office,
                             category=factory.category(department=housing))
    auth.login(office)
    page = client.get(f"/office/suggestions/{new.id}/dispatch", headers=EN).get_data(as_text=True)
    assert re.search(r"Suggested lead department: Human Resources Bureau \(confidence \d+%\)", page)
    assert selected_lead(page) == "Human Resources Bureau"


def test_a_split_vote_says_so_and_leaves_the_category_default(client, auth, factory):
    hrss = factory.department("人力资源和社会保障局", slug="hrss", name_en="Human Resources Bureau")
    housing = factory.department("住房和城乡建设局", slug="housing", name_en="Housing Bureau")
    transport = factory.department("交通运输局", slug="transport", name_en="Transport Bureau")
    office = factory.user(Role.OFFICE_STAFF)
    for department in (hrss, housing, transport):
        factory.suggestion(status=Status.DISPATCHED, title="公积金提取手续复杂", problem="公积金提取手续复杂。",
                           lead_department=department, office=office)
    new = factory.suggestion(status=Status.ACCEPTED, title="公积金提取手续复杂", problem="公积金提取手续复杂。",
                             office=office, category=factory.category(department=transport))
    auth.login(office)
    page = client.get(f"/office/suggestions/{new.id}/dispatch", headers=EN).get_data(as_text=True)
    assert "No department stands out among similar past suggestions" in page
    assert "Suggested lead department" not in page
    assert selected_lead(page) == "Transport Bureau"
