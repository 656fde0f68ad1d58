"""The office's dispatch page proposes the department that handled the most similar suggestions."""
from __future__ import annotations

from portal.models import Role, Status


def test_dispatch_page_suggests_the_department_of_similar_suggestions(client, auth, factory):
    hrss = factory.department("人力资源和社会保障局", slug="hrss", name_en="Human Resources Bureau")
    housing = factory.department("住房和城乡建设局", slug="housing")
    office = factory.user(Role.OFFICE_STAFF)
    for title in ("住房公积金提取手续太复杂", "公积金异地转移办理难", "灵活就业人员缴存公积金"):
        factory.suggestion(status=Status.DISPATCHED, title=title, problem=f"{title}，希望简化办理流程。",
                           lead_department=hrss, office=office)
    factory.suggestion(status=Status.DISPATCHED, title="小区道路破损需要修补", problem="小区道路坑洼不平。",
                       lead_department=housing, office=office)
    new = factory.suggestion(status=Status.ACCEPTED, title="公积金提取能否全程网办",
                             problem="提取住房公积金要跑好几趟。", office=office)
    auth.login(office)
    page = client.get(f"/office/suggestions/{new.id}/dispatch", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Suggested lead department: Human Resources Bureau" in page
