"""Quality review (评查): a weekly sample of published replies, scored against the office's checklist;
a failed reply goes back to its department, is corrected, and passes the re-check."""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import QualityCriterion, QualityReviewItem, QualitySample, Role
from portal.services import quality
from portal.timeutil import LOCAL_TZ, utcnow

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


@pytest.fixture
def city(factory):
    housing = factory.department("住房和城乡建设局", slug="housing")
    hrss = factory.department("人力资源和社会保障局", slug="hrss")
    office = factory.user(Role.OFFICE_STAFF, name="评查员")
    housing_staff = factory.user(Role.DEPARTMENT_STAFF, name="王承办", department=housing)
    hrss_staff = factory.user(Role.DEPARTMENT_STAFF, name="赵承办", department=hrss)
    # Last week's Wednesday noon, Beijing time: three housing replies and one hrss reply published then.
    year, week = quality.last_full_week(utcnow())
    wednesday = datetime.combine(datetime.fromisocalendar(year, week, 3).date(), datetime.min.time(),
                                 tzinfo=LOCAL_TZ) + timedelta(hours=12)
    published = [factory.published_suggestion(lead_department=housing, replied_at=wednesday, office=office,
                                               title=f"住房建议{i}") for i in range(3)]
    published.append(factory.published_suggestion(lead_department=hrss, replied_at=wednesday, office=office,
                                                  title="就业建议"))
    # Published the week before: not in last week's population.
    factory.published_suggestion(lead_department=housing, replied_at=wednesday - timedelta(days=7), office=office,
                                 title="上上周的建议")
    quality.seed_criteria(db.session)
    db.session.commit()
    return dict(housing=housing, hrss=hrss, office=office, housing_staff=housing_staff, hrss_staff=hrss_staff,
                week=quality.week_label(year, week), published=published)


def score_form(outcomes: dict[str, str], findings: str = "") -> dict:
    by_code = {c.code: c.id for c in db.session.scalars(select(QualityCriterion))}
    return {"findings": findings, **{f"criterion-{by_code[code]}": answer for code, answer in outcomes.items()}}


ALL_PASS = {code: "pass" for code, _name, _text in quality.SEED_CRITERIA}


def test_a_sampled_reply_fails_review_is_corrected_and_passes(client, auth, city, runner):
    auth.login(city["office"])
    page = client.get("/office/quality/", headers=EN).get_data(as_text=True)
    assert city["week"] in page  # the draw form offers last week

    drawn = client.post("/office/quality/draw", data={"week": city["week"], "per_department": "2"}, headers=EN,
                        follow_redirects=True).get_data(as_text=True)
    assert f"The sample for {city['week']} has been drawn: 3 replies." in drawn
    sample = db.session.scalar(select(QualitySample))
    assert (sample.per_department, sample.population_size) == (2, 4)
    housing_items = [i for i in sample.items if i.department_id == city["housing"].id]
    assert len(housing_items) == 2 and {i.department_id for i in sample.items} == {city["housing"].id, city["hrss"].id}
    assert "上上周的建议" not in {i.suggestion.title for i in sample.items}
    # The page tells how to redo the draw.
    assert sample.seed in drawn and sample.nonce in drawn and f"flask quality verify --week {city['week']}" in drawn

    # Drawing the same week again draws nothing new.
    again = client.post("/office/quality/draw", data={"week": city["week"], "per_department": "3"}, headers=EN,
                        follow_redirects=True).get_data(as_text=True)
    assert "was drawn before; it is not drawn again" in again
    assert db.session.scalar(select(db.func.count()).select_from(QualityReviewItem)) == 3

    failing, passing = housing_items
    # The reviewer scores the first housing reply: it answers beside the question.
    response = client.post(f"/office/quality/items/{failing.id}", headers=EN, follow_redirects=True, data=score_form(
        {**ALL_PASS, "off_topic": "fail"}, "答复只介绍了租房补贴政策，没有回应短期租房的建议。"))
    assert "Failed the review; returned for correction" in response.get_data(as_text=True)
    client.post(f"/office/quality/items/{passing.id}", data=score_form(ALL_PASS))
    db.session.refresh(failing)
    assert failing.state == "returned" and failing.passed_first_time is False
    assert failing.correction_due is not None and failing.correction_due > utcnow() + timedelta(days=10)

    # The housing department sees it on its workbench, with the findings; hrss does not see it at all.
    auth.logout()
    auth.login(city["hrss_staff"])
    assert client.get(f"/department/quality/{failing.id}").status_code == 404
    assert failing.suggestion.title not in client.get("/department/", headers=EN).get_data(as_text=True)
    auth.logout()
    auth.login(city["housing_staff"])
    workbench = client.get("/department/", headers=EN).get_data(as_text=True)
    assert "Quality review: corrections requested (1)" in workbench and failing.suggestion.title in workbench
    item_page = client.get(f"/department/quality/{failing.id}", headers=EN).get_data(as_text=True)
    assert "没有回应短期租房的建议" in item_page and "The answer does not address the question" in item_page
    corrected = client.post(f"/department/quality/{failing.id}", headers=EN, follow_redirects=True,
                            data={"correction": "已向建议人补充答复短期租房服务的安排。"}).get_data(as_text=True)
    assert "the suggestion office will check it again" in corrected
    db.session.refresh(failing)
    assert failing.state == "corrected"

    # The office re-checks: now it passes and the item is closed.
    auth.logout()
    auth.login(city["office"])
    waiting = client.get("/office/quality/", headers=EN).get_data(as_text=True)
    assert "Corrected, awaiting re-check" in waiting
    client.post(f"/office/quality/items/{failing.id}", data=score_form(ALL_PASS, "补充答复已回应。"))
    db.session.refresh(failing)
    assert failing.state == "closed"
    assert [e.action for e in failing.events] == ["fail", "correct", "recheck_pass"]
    assert [(e.from_state, e.to_state) for e in failing.events] == [
        ("awaiting_review", "returned"), ("returned", "corrected"), ("corrected", "closed")]

    # The metrics page: housing passed 1 of 2 at first review, and corrected 1 of 1 failed.
    metrics = client.get("/metrics/", headers=ZH).get_data(as_text=True)
    section = metrics[metrics.index('id="quality-review"'):]
    row = section[section.index("住房和城乡建设局"):section.index("</tr>", section.index("住房和城乡建设局"))]
    assert "50.00% <span class=\"meta\">(1 / 2)</span>" in row and "100.00% <span class=\"meta\">(1 / 1)</span>" in row

    # The sample reproduces from its seed.
    result = runner.invoke(args=["quality", "verify", "--week", city["week"]])
    assert result.exit_code == 0 and "the draw reproduces: same replies" in result.output


def test_the_sample_is_reproducible_from_its_seed(app, city):
    year, week = quality.parse_week(city["week"])
    sample, new = quality.draw_sample(db.session, year, week, 2, city["office"], nonce="5f1c0ffee")
    db.session.commit()
    assert new is True
    assert sample.seed == hashlib.sha256(f"{city['week']}:5f1c0ffee".encode()).hexdigest()
    ids = [p.id for p in city["published"]]
    population = {city["housing"].id: ids[:3], city["hrss"].id: ids[3:]}
    assert sample.population_digest == quality.population_digest(population)
    redrawn = quality.draw(sample.seed, population, 2)
    assert sorted(s for picked in redrawn.values() for s in picked) == sorted(i.suggestion_id for i in sample.items)
    # The same seed always gives the same draw; another seed ranks differently.
    assert quality.draw(sample.seed, population, 2) == redrawn
    orders = {tuple(quality.draw(quality.seed_for(year, week, str(n)), population, 3)[city["housing"].id])
              for n in range(20)}
    assert len(orders) > 1
    # Drawing again for the week returns the recorded sample.
    assert quality.draw_sample(db.session, year, week, 3, city["office"]) == (sample, False)


def test_a_week_not_yet_over_cannot_be_drawn(client, auth, city):
    auth.login(city["office"])
    this_week = quality.week_label(*utcnow().astimezone(LOCAL_TZ).isocalendar()[:2])
    page = client.post("/office/quality/draw", data={"week": this_week, "per_department": "2"},
                       headers=EN).get_data(as_text=True)
    assert "That week is not over yet" in page
    for hostile in ("2026-W99", "W47", "<script>", "2026-W4７"):
        answer = client.post("/office/quality/draw", data={"week": hostile, "per_department": "2"}, headers=EN)
        assert answer.status_code == 200 and "for example 2026-W47" in answer.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(QualitySample)) == 0


def test_scoring_must_cover_every_criterion_and_give_findings_for_a_failure(client, auth, city):
    year, week = quality.parse_week(city["week"])
    sample, _new = quality.draw_sample(db.session, year, week, 1, city["office"])
    db.session.commit()
    item = sample.items[0]
    auth.login(city["office"])
    partial = client.post(f"/office/quality/items/{item.id}", data=score_form({"off_topic": "pass"}), headers=EN)
    assert "Mark every criterion as passed or failed." in partial.get_data(as_text=True)
    silent = client.post(f"/office/quality/items/{item.id}", data=score_form({**ALL_PASS, "missing_points": "fail"}),
                         headers=EN)
    assert "Write the findings" in silent.get_data(as_text=True)
    db.session.refresh(item)
    assert item.state == "awaiting_review" and item.events == []


def test_the_office_edits_orders_and_retires_criteria(client, auth, city):
    auth.login(city["office"])
    page = client.get("/office/quality/criteria", headers=ZH).get_data(as_text=True)
    names = ["答非所问", "以程序代替实体", "漏答", "超期未说明", "未告知复查权利"]
    assert [page.index(n) for n in names] == sorted(page.index(n) for n in names)
    english = client.get("/office/quality/criteria", headers=EN).get_data(as_text=True)
    assert "Procedure given instead of substance" in english
    client.post("/office/quality/criteria", data={"name": "答复未署名承办人", "description": "", "position": "5",
                                                  "active": "y"})
    added = db.session.scalar(select(QualityCriterion).where(QualityCriterion.name == "答复未署名承办人"))
    assert quality.criteria(db.session, active_only=True)[0] == added  # order 5 comes first
    client.post(f"/office/quality/criteria/{added.id}", data={"name": "答复未署名承办人", "description": "",
                                                             "position": "5"})  # "In use" unticked: retired
    assert added not in quality.criteria(db.session, active_only=True)
    assert "答复未署名承办人" in client.get("/office/quality/criteria").get_data(as_text=True)


def test_seeding_twice_adds_nothing(runner, city):
    result = runner.invoke(args=["quality", "seed"])
    assert result.exit_code == 0 and "criteria added: 0" in result.output
    assert len(quality.criteria(db.session)) == 5


def test_departments_cannot_score_and_the_office_cannot_correct(client, auth, city):
    year, week = quality.parse_week(city["week"])
    sample, _new = quality.draw_sample(db.session, year, week, 1, city["office"])
    db.session.commit()
    item = next(i for i in sample.items if i.department_id == city["housing"].id)
    auth.login(city["housing_staff"])
    assert client.post(f"/office/quality/items/{item.id}", data=score_form(ALL_PASS)).status_code == 403
    with pytest.raises(quality.QualityError):
        quality.record_correction(db.session, item, city["office"], "办公室不能代为整改")
    db.session.rollback()


def test_the_draw_command_draws_a_week_once(runner, city):
    first = runner.invoke(args=["quality", "draw", "--week", city["week"], "--per-department", "1"])
    assert first.exit_code == 0 and f"{city['week']}: drawn; 2 of 4 replies" in first.output
    again = runner.invoke(args=["quality", "draw", "--week", city["week"], "--per-department", "5"])
    assert again.exit_code == 0 and "drawn before; 2 of 4 replies" in again.output
    wrong = runner.invoke(args=["quality", "draw", "--week", "last week"])
    assert wrong.exit_code == 2 and "not a week" in wrong.output


def test_a_correction_that_fails_the_re_check_goes_back_again(app, city):
    year, week = quality.parse_week(city["week"])
    sample, _new = quality.draw_sample(db.session, year, week, 1, city["office"])
    item = next(i for i in sample.items if i.department_id == city["housing"].id)
    checklist = quality.criteria(db.session, active_only=True)
    failing = {c.id: c.code != "missing_points" for c in checklist}
    quality.score(db.session, item, city["office"], failing, "漏答了房源数量。")
    quality.record_correction(db.session, item, city["housing_staff"], "已补充说明。")
    quality.score(db.session, item, city["office"], failing, "补充说明仍未回答房源数量。")
    db.session.commit()
    assert item.state == "returned" and item.rounds == 2 and item.correction_due is not None
    assert [e.action for e in item.events] == ["fail", "correct", "recheck_fail"]
    assert [c.code for c in quality.failed_criteria(item)] == ["missing_points"]
    assert item in quality.department_open_items(db.session, city["housing"].id)
    assert quality.figures_by_department(db.session)[city["housing"].id] == quality.QualityFigures(
        passed=0, scored=1, corrected=0, failed=1)
