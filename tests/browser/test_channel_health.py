"""Partner satisfaction, health and channel strategy in real Chromium, as one manager's journey: Lucía writes an
NPS survey and e-mails it to her Gold VARs in Brazil; Ana opens the e-mailed link without signing in and, after a
blank score is stopped by the browser and a forged one is refused in Portuguese, answers 3 (a detractor). Lucía
reads the answer and the NPS on the survey, finds the follow-up task it opened and the partner's NPS panel. The
admin sets the health weights (a total other than 100 is explained first); with the daily snapshots stored, Lucía
finds Soluções Abertas at risk and reads why on its health page. Last she writes Latin America's strategy for the
year: an unknown focus product and an edit made on a stale page are refused with clear messages. axe-core checks
the pages on the way."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from channelbase.core import i18n
from channelbase.core.base import utcnow
from channelbase.health.models import HealthSnapshot
from channelbase.health.snapshots import COMPARE_DAYS, snapshot_all
from channelbase.surveys.answering import FIX_BELOW, NPS_RANGE, REASONS
from channelbase.surveys.charts import format_nps
from channelbase.surveys.scores import partner_nps
from tests.browser.test_portal import _with_session, assert_accessible

pytestmark = pytest.mark.browser

LUCIA, ADMIN, ANA = "lucia@channelbase.demo", "admin@channelbase.demo", "ana@abertas.com.br"
PARTNER = "Soluções Abertas Ltda."
RATING_QUESTION = "How do you rate the support of your channel manager?"
COMMENT = "Deal registrations take a week to be approved; we lost a tender waiting."
NPS_LEGEND = "How likely are you to recommend us to a colleague?"
# The admin's weights: satisfaction counts more than by default (10 %), cadence less (20 %).
WEIGHTS = {"Cadence kept": 15, "Pipeline trend": 20, "Deal registrations": 15, "Win rate": 10,
           "Certification coverage": 15, "Satisfaction (NPS)": 15, "Plan attainment": 10}


def _in_portuguese(message: str, **values) -> str:
    with i18n.language("pt"):
        return i18n.gettext(message, **values)


def _nps_of(partner_id: int):
    def work(session, _world):
        return partner_nps(session, [partner_id], utcnow().date())[partner_id]
    return work


def _store_health_history(session, world) -> Decimal:
    """Today's snapshots of every partner (as the daily job writes them), and one of Soluções Abertas 30 days ago
    from before its detractor: 20 points higher, with a full satisfaction score. Returns today's score."""
    today, partner_id = utcnow().date(), world.partners["abertas"]
    snapshot_all(session, today)
    now = session.scalars(select(HealthSnapshot).where(HealthSnapshot.partner_id == partner_id,
                                                       HealthSnapshot.day == today)).one()
    assert now.score is not None
    earlier_day = today - timedelta(days=COMPARE_DAYS)
    earlier = session.scalars(select(HealthSnapshot).where(HealthSnapshot.partner_id == partner_id,
                                                           HealthSnapshot.day == earlier_day)).first()
    if earlier is None:
        earlier = HealthSnapshot(partner_id=partner_id, day=earlier_day)
        session.add(earlier)
    earlier.score = now.score + 20
    earlier.components = [dict(part, score="100.0") if part["key"] == "nps" else dict(part)
                          for part in now.components]
    session.flush()
    return now.score


def test_a_detractor_opens_a_follow_up_lowers_health_and_the_manager_writes_her_strategy(
        browser, live_server, live_world, live_inbox, page_as):
    _url, world = live_world
    _port, inbox = live_inbox
    checked: list[str] = []
    run = secrets.token_hex(3)
    name, intro = f"Partner satisfaction {run}", f"Twelve months of working together (browser run {run})."
    abertas, latam = world.partners["abertas"], world.territories["latam"]

    # 1. Lucía writes the survey: the fixed NPS question and one rating question of her own.
    lucia = page_as(LUCIA)
    lucia.goto("/surveys")
    create = lucia.get_by_role("region", name="New survey")
    create.get_by_label("Name").fill(name)
    create.get_by_label("Introduction").fill(intro)
    create.get_by_role("textbox", name="Question 2", exact=True).fill(RATING_QUESTION)
    create.get_by_role("group", name="Question 2").get_by_role("combobox", name="Answer").select_option("rating")
    create.get_by_role("button", name="Create survey").click()
    lucia.wait_for_url(re.compile(r"/surveys/\d+\?notice=created"))
    survey_id = int(re.search(r"/surveys/(\d+)", lucia.url).group(1))
    expect(lucia.locator("h1")).to_contain_text(name)
    expect(lucia.locator("h1")).to_contain_text("Draft")
    expect(lucia.get_by_role("status")).to_contain_text("Survey created as a draft")

    # … and e-mails it to the primary contacts of her Gold VARs in Brazil: Soluções Abertas.
    send = lucia.get_by_role("region", name="Send", exact=True)
    send.get_by_label("Territory").select_option(str(world.territories["brazil"]))
    send.get_by_label("Partner type").select_option("var")
    send.get_by_label("Tier").select_option("gold")
    send.get_by_label("How").select_option("email")
    send.get_by_role("button", name="Send survey").click()
    lucia.wait_for_url(re.compile(rf"/surveys/{survey_id}\?notice=sent"))
    expect(lucia.get_by_role("status")).to_contain_text(re.compile(r"Sent [1-9]\d* invitations? to contacts of"))
    expect(lucia.locator("h1")).to_contain_text("Sent")
    expect(lucia.get_by_role("region", name="Answers")).to_contain_text("No answers yet")

    # The real SMTP server received Ana's invitation, written in her language, with her personal link.
    [mail] = [m for m in inbox.to(ANA) if intro in m.get_body(("plain",)).get_content()]
    assert mail["Subject"] == _in_portuguese("%(partner)s: how likely are you to recommend us?", partner=PARTNER)
    link = re.search(r"https?://\S+/survey/[A-Za-z0-9_-]+", mail.get_body(("plain",)).get_content()).group(0)

    # Ana opens the link in a browser that never signed in.
    visitor_context = browser.new_context(base_url=live_server, locale="pt-BR")
    ana = visitor_context.new_page()
    assert ana.goto(link).status == 200
    expect(ana.locator("html")).to_have_attribute("lang", "pt")
    expect(ana.locator("h1")).to_have_text(name)
    expect(ana.locator("main")).to_contain_text(intro)
    assert_accessible(ana, checked)
    nps = ana.get_by_role("group", name=re.compile(re.escape(_in_portuguese(NPS_LEGEND))))
    rating = ana.get_by_role("group", name=RATING_QUESTION)
    comment = ana.get_by_label(_in_portuguese("What is the main reason for your score?"))
    send_answer = ana.get_by_role("button", name=_in_portuguese("Send my answer"))
    expect(nps.get_by_role("radio")).to_have_count(11)
    expect(rating.get_by_role("radio")).to_have_count(5)

    # No score: the browser keeps the form (the score is required) and nothing reaches the server.
    comment.fill(COMMENT)
    send_answer.click()
    assert nps.get_by_role("radio", name="0", exact=True).evaluate("radio => radio.validity.valueMissing")
    expect(ana).to_have_url(link)
    expect(ana.get_by_role("alert")).to_have_count(0)

    # A forged score of 11 is refused by the server, in Portuguese, keeping what she wrote.
    rating.get_by_role("radio", name="2", exact=True).check()
    nps.get_by_role("radio", name="10", exact=True).evaluate("radio => { radio.value = '11'; radio.checked = true; }")
    send_answer.click()
    expect(ana.get_by_role("alert")).to_have_text(_in_portuguese(FIX_BELOW))
    expect(nps).to_contain_text(_in_portuguese(NPS_RANGE))
    expect(nps).to_have_attribute("aria-invalid", "true")
    expect(comment).to_have_value(COMMENT)
    expect(rating.get_by_role("radio", name="2", exact=True)).to_be_checked()
    assert_accessible(ana, checked)

    # A 3: a detractor, told that the channel manager will call.
    nps.get_by_role("radio", name="3", exact=True).check()
    send_answer.click()
    expect(ana.locator("h1")).to_have_text(_in_portuguese("Thank you!"))
    expect(ana.get_by_role("status")).to_have_text(_in_portuguese("Your answer was saved."))
    expect(ana.locator("main")).to_contain_text(_in_portuguese(
        "We are sorry we fell short. Your channel manager will contact you within two working days to talk it over."))
    ana.goto(link)  # the link answers once
    expect(ana.get_by_role("status")).to_have_text(_in_portuguese(REASONS["used"]))
    expect(ana.get_by_role("button", name=_in_portuguese("Send my answer"))).to_have_count(0)
    visitor_context.close()

    # Signed in to the portal, Ana finds it among her answered surveys, with no form left to fill.
    portal = page_as(ANA)
    portal.goto("/portal/surveys")
    expect(portal.get_by_role("region", name=_in_portuguese("Answered"))).to_contain_text(name)
    expect(portal.get_by_role("heading", name=name)).to_have_count(0)

    # 2. Back with Lucía: the answer, the survey's NPS and the follow-up task it opened.
    lucia.goto(f"/surveys/{survey_id}")
    summary = lucia.get_by_label("Summary")
    expect(summary.locator(".kpi", has_text="NPS")).to_contain_text("-100")
    expect(summary.locator(".kpi", has_text="answered of")).to_contain_text(re.compile(r"^\s*1 answered of [1-9]"))
    expect(summary.locator(".kpi", has_text="detractors")).to_contain_text(re.compile(r"^\s*1 detractors"))
    row = lucia.get_by_role("region", name="Answers").get_by_role("row", name=re.compile("Ana Souza"))
    expect(row.get_by_role("cell").nth(1)).to_have_text(PARTNER)
    expect(row.get_by_role("cell").nth(3)).to_have_text("3")
    expect(row).to_contain_text(COMMENT)
    expect(row).to_contain_text(f"{RATING_QUESTION}: 2")
    other = lucia.get_by_role("region", name="Other questions").get_by_role("row", name=re.compile(RATING_QUESTION))
    expect(other.get_by_role("cell").last).to_have_text(re.compile(r"^2(\.0+)?$"))  # the average of one rating
    assert_accessible(lucia, checked)
    lucia.get_by_role("link", name="Detractors only").click()
    expect(lucia.get_by_role("region", name="Answers").get_by_role("row", name=re.compile("Ana Souza"))).to_be_visible()
    follow_up = f"Follow up NPS 3 from Ana Souza ({PARTNER})"
    lucia.get_by_role("region", name="Answers").get_by_role("link", name="Task").click()
    expect(lucia.locator("main")).to_contain_text(follow_up)
    expect(lucia.locator("main")).to_contain_text(COMMENT)

    # The task is hers, due in two days: on her task list (My day shows tasks once they are due).
    lucia.goto("/tasks")
    task = lucia.get_by_role("row", name=re.compile(re.escape(follow_up)))
    expect(task).to_have_count(1)
    expect(task.locator("time")).to_have_attribute("datetime", (utcnow().date() + timedelta(days=2)).isoformat())
    expect(task.get_by_role("link", name=PARTNER, exact=True)).to_have_attribute("href", f"/partners/{abertas}")

    # The partner's NPS panel: the score over 12 months and Ana's answer.
    expected_nps = _with_session(live_world, _nps_of(abertas))
    assert expected_nps is not None and expected_nps < 0
    nps_points = min(Decimal(100), max(Decimal(0), (expected_nps + 100) / 2)).quantize(Decimal("0.1"))
    lucia.goto(f"/partners/{abertas}/nps")
    panel = lucia.get_by_role("region", name="Satisfaction (NPS)")
    expect(panel.locator("p strong").first).to_have_text(format_nps(expected_nps))
    answer = panel.get_by_role("listitem").filter(has_text=COMMENT)
    expect(answer).to_contain_text("Ana Souza: 3")
    expect(answer.get_by_role("link", name="follow-up")).to_be_visible()

    # 3. The admin sets the health weights: a total other than 100 is explained, then they are saved.
    admin = page_as(ADMIN)
    admin.goto("/health/weights")
    for label, weight in {**WEIGHTS, "Cadence kept": 30}.items():
        admin.get_by_label(f"{label} weight, in %").fill(str(weight))
    admin.get_by_role("button", name="Save weights").click()
    expect(admin.get_by_role("alert")).to_contain_text("The weights add up to 115 %: they must add up to 100 %")
    expect(admin.locator("#e-total")).to_have_text("The weights add up to 115 %: they must add up to 100 %")
    expect(admin.get_by_label("Cadence kept weight, in %")).to_have_value("30")  # what she typed is kept
    admin.get_by_label("Cadence kept weight, in %").fill(str(WEIGHTS["Cadence kept"]))
    admin.get_by_role("button", name="Save weights").click()
    admin.wait_for_url(re.compile(r"/health/weights\?saved=\d+"))
    expect(admin.get_by_role("status")).to_contain_text("Health weights saved")
    for label, weight in WEIGHTS.items():
        expect(admin.get_by_label(f"{label} weight, in %")).to_have_value(str(weight))
    lucia.goto("/health/weights")  # managers read them, only admins change them
    expect(lucia.get_by_role("row", name=re.compile(r"Satisfaction \(NPS\)"))).to_contain_text("15 %")
    expect(lucia.get_by_role("button", name="Save weights")).to_have_count(0)

    # 4. The daily snapshots are stored; Soluções Abertas was 20 points healthier 30 days ago.
    today_score = _with_session(live_world, _store_health_history)
    lucia.goto("/health")
    at_risk = lucia.get_by_role("region", name="At risk")
    line = at_risk.get_by_role("row", name=re.compile(re.escape(PARTNER)))
    expect(line).to_contain_text(str(today_score))
    expect(line).to_contain_text("−20.0")
    expect(line.get_by_role("listitem").filter(has_text="Satisfaction (NPS)")).to_contain_text(
        f"{nps_points}{'' if nps_points == 100 else f' (−{Decimal(100) - nps_points})'}")
    expect(lucia.get_by_label("Counts").get_by_role("link", name=re.compile("at risk"))).to_have_text(
        re.compile(r"^\s*[1-9]\d*\s+at risk"))
    assert_accessible(lucia, checked)
    line.get_by_role("link", name=PARTNER).click()
    lucia.wait_for_url(f"**/partners/{abertas}/health")
    health = lucia.get_by_role("region", name="Health", exact=True)
    expect(health.get_by_text("At risk", exact=True)).to_be_visible()
    expect(health).to_contain_text(f"since {(utcnow().date() - timedelta(days=COMPARE_DAYS)).isoformat()}")
    components = health.get_by_role("table")
    expect(components.get_by_role("row")).to_have_count(1 + len(WEIGHTS))
    satisfaction = components.get_by_role("row", name=re.compile(r"^Satisfaction \(NPS\)"))
    expect(satisfaction.get_by_role("cell").nth(0)).to_have_text("15 %")  # the weight the admin set
    expect(satisfaction.get_by_role("cell").nth(2)).to_have_text(str(nps_points))
    expect(satisfaction).to_contain_text(f"NPS {expected_nps:+} from its answers of the last 12 months")
    expect(satisfaction.get_by_role("link")).to_have_attribute("href", f"/partners/{abertas}/nps")
    for label in WEIGHTS:
        why = components.get_by_role("row", name=re.compile("^" + re.escape(label))).get_by_role("cell").nth(3)
        expect(why).not_to_be_empty()
    assert_accessible(lucia, checked)

    # 5. Latin America's strategy for the year: an unknown focus product is refused and the form kept …
    lucia.goto(f"/territories/{latam}/strategy")
    expect(lucia.locator("h1")).to_contain_text("Latin America — channel strategy")
    edit = lucia.get_by_role("region", name=re.compile(r"(Write|Edit) the strategy"))
    goals = f"Win two public-sector tenders in Brazil with Gold VARs ({run})."
    edit.get_by_label("VAR", exact=True).fill("8")
    edit.get_by_label("MSP", exact=True).fill("3")
    edit.get_by_label("Focus industries").fill("Government")
    edit.get_by_label("Focus products").fill(f"NO-SUCH-SKU-{run}")
    edit.get_by_label("Goals").fill(goals)
    edit.get_by_role("button", name="Save strategy").click()
    expect(lucia.get_by_role("alert")).to_contain_text(f"Focus products: not in the product catalogue: 'NO-SUCH-SKU-{run}'")
    expect(edit.get_by_label("Focus products")).to_have_attribute("aria-invalid", "true")
    expect(edit.get_by_label("Goals")).to_have_value(goals)
    expect(edit.get_by_label("VAR", exact=True)).to_have_value("8")

    # … without it, the strategy is saved and shown beside the territory's partner health.
    edit.get_by_label("Focus products").fill("")
    edit.get_by_role("button", name="Save strategy").click()
    lucia.wait_for_url(re.compile(rf"/territories/{latam}/strategy\?year=\d+&saved=1"))
    expect(lucia.get_by_role("status").filter(has_text="Strategy saved.")).to_be_visible()
    strategy = lucia.get_by_role("region", name="Strategy", exact=True)
    expect(strategy.get_by_role("listitem").filter(has_text="VAR")).to_have_text("VAR: 8")
    expect(strategy.get_by_role("listitem").filter(has_text="MSP")).to_have_text("MSP: 3")
    expect(strategy).to_contain_text("Government")
    expect(strategy).to_contain_text(goals)
    expect(lucia.get_by_role("region", name="Partner health")).to_contain_text(re.compile(r"[1-9]\d* at risk"))
    mix = lucia.get_by_role("region", name="Coverage plan and target mix").get_by_role("row", name=re.compile("^VAR"))
    expect(mix.get_by_role("cell").first).to_have_text("8")
    assert_accessible(lucia, checked)

    # An edit made on a page opened before another save is refused, and what was typed is shown beside it.
    stale = page_as(LUCIA)
    stale.goto(f"/territories/{latam}/strategy")
    edit.get_by_label("MSP", exact=True).fill("4")
    edit.get_by_role("button", name="Save strategy").click()
    expect(strategy.get_by_role("listitem").filter(has_text="MSP")).to_have_text("MSP: 4")
    stale_edit = stale.get_by_role("region", name=re.compile("Edit the strategy"))
    stale_edit.get_by_label("MSP", exact=True).fill("9")
    stale_edit.get_by_role("button", name="Save strategy").click()
    expect(stale.get_by_role("alert")).to_contain_text("after you opened it. Review and retry.")
    unsaved = stale.locator("section", has=stale.get_by_role("heading", name="Your changes that were not saved"))
    expect(unsaved.get_by_role("row", name=re.compile("target mix: msp"))).to_contain_text("9")
    expect(stale_edit.get_by_label("MSP", exact=True)).to_have_value("4")  # the form shows what is stored now
    expect(stale.get_by_role("region", name="Strategy", exact=True).get_by_role("listitem").filter(
        has_text="MSP")).to_have_text("MSP: 4")

    # The board lists Latin America's strategy as written.
    lucia.goto("/strategy")
    board_row = lucia.get_by_role("row", name=re.compile(r"^\W*Latin America"))
    expect(board_row).to_contain_text("Written")
    expect(board_row.get_by_role("link", name=re.compile("Open"))).to_have_attribute(
        "href", re.compile(rf"/territories/{latam}/strategy\?year=\d+"))
    assert len(set(checked)) >= 5, checked
