"""What the answers say, and who reads them: one survey's NPS and spread, NPS by territory, type, tier and
quarter, the staff pages, and managers limited to their own territories' answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from channelbase.core.errors import Conflict, NotPermitted, StaleEdit
from channelbase.surveys import answering, reports, service
from channelbase.surveys.schemas import NpsFilter, QuestionIn, SurveyUpdate
from tests.surveys.conftest import invite

TODAY = date(2026, 11, 29)


def _answer(db, survey, contact_id: int, score: int, day: date = TODAY, **extra: str):
    _invitation, secret = invite(db, survey, contact_id)
    return answering.answer_by_token(db, secret, {"nps": str(score), **extra},
                                     now=datetime.combine(day, time(12), timezone.utc))


@pytest.fixture
def answered(db, world, survey):
    """Ana (Brazil, VAR, gold) 10, Bruno (Mexico, MSP, silver) 4, Dora (Brazil, distributor, platinum) 8 a
    quarter ago, Grace (US East, LVAR, gold) 9."""
    _answer(db, survey, world.contacts["ana"], 10, q1="5")
    _answer(db, survey, world.contacts["bruno"], 4, q1="2", q2="Faster approvals")
    _answer(db, survey, world.contacts["dora"], 8, TODAY - timedelta(days=100))
    _answer(db, survey, world.contacts["northwind"], 9, q1="4")
    db.flush()
    return survey


def test_a_surveys_results_count_promoters_detractors_and_each_score(db, actor, answered):
    results = reports.survey_results(db, actor("admin"), answered)
    assert (results.breakdown.promoters, results.breakdown.passives, results.breakdown.detractors) == (2, 1, 1)
    assert results.breakdown.nps == Decimal(25)
    assert dict(results.distribution) == {**{score: 0 for score in range(11)}, 4: 1, 8: 1, 9: 1, 10: 1}
    rating, text = results.questions
    assert (rating.answered, rating.average) == (3, Decimal("3.7")) and (text.answered, text.average) == (1, None)


def test_managers_read_only_their_territories_answers(db, actor, answered):
    nathan = reports.survey_results(db, actor("nathan"), answered)
    assert nathan.breakdown.total == 1 and nathan.breakdown.promoters == 1          # Grace only: no Brazil
    lines = reports.survey_answers(db, actor("nathan"), answered.id).items
    assert [line.partner.name for line in lines] == ["Northwind Systems Inc."]
    lucia = reports.survey_answers(db, actor("lucia"), answered.id)
    assert lucia.total == 3 and "Northwind Systems Inc." not in {line.partner.name for line in lucia.items}
    report = reports.nps_report(db, actor("nathan"), NpsFilter(), TODAY)
    assert [g.label for g in report.by_territory] == ["US East"]
    with pytest.raises(NotPermitted):
        service.list_surveys(db, actor("ana"))


def test_detractors_only_lists_the_answers_to_call_back(db, actor, answered):
    lines = reports.survey_answers(db, actor("admin"), answered.id, detractors_only=True).items
    assert [(line.contact.name, line.answer.nps) for line in lines] == [("Bruno Castillo", 4)]
    assert lines[0].answer.follow_up_task_id is not None


def test_nps_is_grouped_by_territory_type_tier_and_quarter(db, actor, answered):
    report = reports.nps_report(db, actor("admin"), NpsFilter(), TODAY)
    assert report.overall.nps == Decimal(25)
    assert {g.label: g.breakdown.nps for g in report.by_territory} == {
        "Brazil": Decimal(50), "Mexico": Decimal(-100), "US East": Decimal(100)}
    assert {g.label: g.breakdown.nps for g in report.by_type} == {
        "VAR": Decimal(100), "MSP": Decimal(-100), "Distributor": Decimal(0), "LVAR": Decimal(100)}
    assert {g.label: g.breakdown.nps for g in report.by_tier} == {
        "Gold": Decimal(100), "Silver": Decimal(-100), "Platinum": Decimal(0)}
    quarters = report.by_quarter
    assert len(quarters) == 4 and quarters[-1].label == "2026Q4" and quarters[0].label == "2026Q1"
    assert quarters[-1].breakdown.total == 3 and quarters[-2].breakdown.total == 1   # Dora, a quarter ago
    assert quarters[0].breakdown.nps is None
    assert report.by_territory[0].breakdown.nps == Decimal(100)  # best first


def test_the_report_filters_narrow_the_answers(db, actor, world, answered):
    admin = actor("admin")
    brazil = reports.nps_report(db, admin, NpsFilter(territory_id=world.territories["latam"]), TODAY)
    assert brazil.overall.total == 3 and {g.label for g in brazil.by_territory} == {"Brazil", "Mexico"}
    assert reports.nps_report(db, admin, NpsFilter(tier="gold"), TODAY).overall.total == 2
    assert reports.nps_report(db, admin, NpsFilter(type="msp"), TODAY).overall.nps == Decimal(-100)
    assert reports.nps_report(db, admin, NpsFilter(quarters=1), TODAY).overall.total == 3
    assert reports.nps_report(db, admin, NpsFilter(survey_id=answered.id + 1000), TODAY).overall.total == 0


def test_the_staff_pages_show_the_answers_and_the_charts(client_as, answered):
    lucia = client_as("lucia")
    listing = lucia.get("/surveys")
    assert listing.status_code == 200 and "Partner satisfaction 2026" in listing.text
    detail = lucia.get(f"/surveys/{answered.id}")
    assert detail.status_code == 200 and "Bruno Castillo" in detail.text and "Grace Miller" not in detail.text
    assert "Faster approvals" in detail.text and 'class="bars"' in detail.text
    report = lucia.get("/surveys/nps")
    assert report.status_code == 200 and report.text.count("<svg") >= 2 and "Mexico" in report.text
    assert "US East" not in report.text
    assert client_as("ana").get("/surveys").status_code == 403


def test_the_partner_panel_shows_its_nps_and_answers(client_as, world, answered):
    panel = client_as("lucia").get(f"/partners/{world.partners['bravo']}/nps", headers={"HX-Request": "true"})
    assert panel.status_code == 200 and "Faster approvals" not in panel.text and "Bruno Castillo" in panel.text
    assert "<html" not in panel.text
    assert client_as("nathan").get(f"/partners/{world.partners['bravo']}/nps").status_code == 404


def test_a_survey_is_written_edited_while_a_draft_and_closed(client_as, db, actor):
    lucia = client_as("lucia")
    created = lucia.post("/surveys", data={"name": "Distributor pulse", "intro": "Quick one",
                                           "q1_text": "How easy is ordering?", "q1_kind": "rating",
                                           "q2_text": "", "q2_kind": "text"})
    assert created.status_code == 303
    survey_id = int(created.headers["location"].split("/")[2].split("?")[0])
    survey = service.get_survey(db, actor("lucia"), survey_id)
    assert survey.questions == [{"kind": "rating", "text": "How easy is ordering?"}] and survey.status == "draft"
    duplicate = lucia.post("/surveys", data={"name": "distributor PULSE"})
    assert duplicate.status_code == 409 and "exists already" in duplicate.text
    saved = lucia.post(f"/surveys/{survey_id}", data={"version": str(survey.version), "name": "Distributor pulse",
                                                      "q1_text": "Ordering?", "q1_kind": "text"})
    assert saved.status_code == 303
    stale = lucia.post(f"/surveys/{survey_id}", data={"version": "1", "name": "Again"})
    assert stale.status_code == 409
    closed = lucia.post(f"/surveys/{survey_id}/close", data={"version": str(survey.version + 1)})
    assert closed.status_code == 303
    db.expire_all()
    assert service.get_survey(db, actor("lucia"), survey_id).status == "closed"


def test_six_questions_are_refused_and_a_sent_survey_keeps_its_questions(db, actor, world, survey):
    with pytest.raises(Exception, match="at most 5"):
        SurveyUpdate(version=1, name="x", questions=[QuestionIn(kind="text", text=f"Q{n}") for n in range(6)])
    invite(db, survey, world.contacts["ana"])
    with pytest.raises(Conflict, match="was sent already"):
        service.update_survey(db, actor("lucia"), survey.id, SurveyUpdate(version=survey.version, name="New"))
    with pytest.raises(StaleEdit):
        service.close_survey(db, actor("lucia"), survey.id, survey.version + 5)
