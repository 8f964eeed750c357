"""The acceptance test of health: a partner built with known activity, pipeline, registrations, certifications,
survey answers and a signed plan gets exactly the component scores and the weighted total the rules give; a
component that does not apply is left out and the other weights are rescaled."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from channelbase.core.errors import NotFound, NotPermitted
from channelbase.health import components, components_deals, score
from channelbase.health.components import COMPONENT_KEYS, DEFAULT_WEIGHTS, Subject
from channelbase.health.score import combine, compute, partner_health
from channelbase.plans.attainment import plan_attainment
from channelbase.surveys.scores import partner_nps

from tests.health.conftest import TODAY, add_activity, make_partner

EXPECTED = {
    "cadence": Decimal("41.7"),         # 5 days overdue on a 30-day rule: 50 x (1 - 5/30)
    "pipeline": Decimal("97.8"),        # 80 x 55,000 / 45,000
    "registrations": Decimal("81.1"),   # 2 against 10 a year pro-rated to 90 days (2.47)
    "win_rate": Decimal("80.0"),        # 40 % won; 50 % scores 100
    "certifications": Decimal("75.0"),  # 2 of 2 sales + 1 of 2 pre-sales places
    "nps": Decimal("66.7"),             # NPS +33.3 mapped to 0..100
    "plan": Decimal("100.0"),           # 150 % attained, capped at 100
}


def _weighted(scores: dict[str, Decimal], weights: dict[str, int]) -> Decimal:
    counted = {key: w for key, w in weights.items() if w and scores.get(key) is not None}
    total = sum(counted.values())
    return (sum(Decimal(w) * scores[key] for key, w in counted.items()) / total).quantize(Decimal("0.1"),
                                                                                          ROUND_HALF_UP)


def test_each_component_and_the_weighted_total_of_a_known_partner(db, actor, known):
    health = partner_health(db, actor("lucia"), known.partner_id, TODAY)
    found = {part.component.key: part.component for part in health.parts}
    assert list(found) == list(COMPONENT_KEYS)
    assert {key: c.score for key, c in found.items()} == EXPECTED
    assert health.score == _weighted(EXPECTED, DEFAULT_WEIGHTS) == Decimal("76.0")
    assert [p.share for p in health.parts] == [Decimal(DEFAULT_WEIGHTS[key]) .quantize(Decimal("0.1"))
                                               for key in COMPONENT_KEYS]
    assert not health.rescaled


def test_the_explanations_say_why_and_link_the_evidence(db, actor, known):
    found = {p.component.key: p.component for p in partner_health(db, actor("lucia"), known.partner_id,
                                                                   TODAY).parts}
    pid = known.partner_id
    assert found["cadence"].explanation.startswith("Overdue: 5 d overdue")
    assert found["cadence"].evidence == f"/activities?partner_id={pid}"
    assert "USD 55,000.00 of pipeline created in the last 90 days against USD 45,000.00" in \
        found["pipeline"].explanation and "(+22.2 %)" in found["pipeline"].explanation
    assert found["pipeline"].evidence.startswith(f"/opportunities?partner_id={pid}&created_from=")
    assert "2 registered in the last 90 days (not rejected); Gold asks 10 a year, 2.5 for 90 days" in \
        found["registrations"].explanation
    assert found["registrations"].evidence == f"/registrations?partner_id={pid}"
    assert found["win_rate"].explanation.startswith("40 % won: 2 of 5 deals closed in the last 12 months")
    assert "close_from=" in found["win_rate"].evidence
    assert found["certifications"].explanation == \
        "3 of the 4 certified people Gold asks for: 2 of 2 sales, 1 of 2 pre-sales."
    assert found["certifications"].evidence == f"/partners/{pid}/enablement"
    assert found["nps"].explanation.startswith("NPS +33.3") and found["nps"].evidence == f"/partners/{pid}/nps"
    assert "150 % of the signed plan's commitments met to date (capped at 100)" in found["plan"].explanation
    assert found["plan"].evidence == f"/partners/{pid}/plan"


def test_the_other_domains_helpers_agree_with_the_built_data(db, known):
    assert partner_nps(db, [known.partner_id], TODAY)[known.partner_id] == Decimal("33.3")
    assert plan_attainment(db, [known.partner_id], TODAY)[known.partner_id] == Decimal("150.0")


def test_other_weights_change_only_the_total(db, known):
    weights = {"cadence": 50, "pipeline": 0, "registrations": 0, "win_rate": 0, "certifications": 50, "nps": 0,
               "plan": 0}
    health = compute(db, [Subject(known.partner_id, "gold")], TODAY, weights)[known.partner_id]
    assert health.score == Decimal("58.4")  # (41.7 + 75.0) / 2, rounded half up
    assert [p.share for p in health.parts if p.share is not None] == [Decimal("50.0"), Decimal("50.0")]
    assert not health.rescaled  # weight 0 is the admin's choice, not a rescaling


def test_components_that_do_not_apply_are_left_out_and_the_weights_rescaled(db, actor, world):
    """A new SI partner with one call: no cadence rule covers it, no deal closed, no answers, no plan."""
    built = make_partner(db, actor, world, "Recém Chegada Ltda.", tier="silver")
    add_activity(db, actor("lucia"), built, "call", 3)
    health = partner_health(db, actor("lucia"), built.partner_id, TODAY)
    parts = {p.component.key: p for p in health.parts}
    assert {key for key, p in parts.items() if p.share is None} == {"cadence", "win_rate", "nps", "plan"}
    for key in ("cadence", "win_rate", "nps", "plan"):
        assert "the other components' weights are rescaled" in parts[key].component.explanation
    # pipeline 20, registrations 15 and certifications 15 make up the score: 40 %, 30 % and 30 %.
    assert [parts[k].share for k in ("pipeline", "registrations", "certifications")] == \
        [Decimal("40.0"), Decimal("30.0"), Decimal("30.0")]
    assert parts["pipeline"].component.score == Decimal("0.0")  # nothing created in 180 days
    assert parts["registrations"].component.score == Decimal("0.0")  # Silver asks 3 a year; none
    assert parts["certifications"].component.score == Decimal("0.0")
    assert parts["certifications"].component.explanation.startswith("0 of the 2 certified people Silver asks for")
    assert health.score == Decimal("0.0") and health.rescaled
    assert {p.component.key for p in health.left_out} == {"cadence", "win_rate", "nps", "plan"}


def test_combine_rescales_over_the_components_that_apply():
    found = {
        "cadence": components.Component("cadence", Decimal("100.0"), "", ""),
        "pipeline": components.Component("pipeline", None, "", ""),
        "nps": components.Component("nps", Decimal("40.0"), "", ""),
    }
    health = combine(1, found, {"cadence": 30, "pipeline": 60, "nps": 10})
    assert health.score == Decimal("85.0")  # (30 x 100 + 10 x 40) / 40
    assert [p.share for p in health.parts] == [Decimal("75.0"), None, Decimal("25.0")]
    assert combine(1, {"pipeline": found["pipeline"]}, {"pipeline": 100}).score is None


@pytest.mark.parametrize(("value", "expected", "text"), [
    (Decimal("72.5"), Decimal("72.5"), "72.5 % of the signed plan's commitments met to date."),
    (Decimal("150.0"), Decimal("100.0"), "150 % of the signed plan's commitments met to date (capped at 100)."),
    (None, None, "No signed plan for this fiscal year"),
])
def test_plan_attainment_maps_to_a_capped_score(value, expected, text):
    component = components.plan_component(7, value)
    assert component.score == expected and component.explanation.startswith(text)


@pytest.mark.parametrize(("value", "expected"), [(Decimal(-100), Decimal("0.0")), (Decimal(0), Decimal("50.0")),
                                                  (Decimal("100"), Decimal("100.0")), (None, None)])
def test_nps_maps_from_minus_100_100_to_0_100(value, expected):
    assert components.nps_component(7, value).score == expected


def test_cadence_scores_on_time_due_soon_and_overdue(db, actor, world):
    from datetime import datetime, timedelta, timezone

    from channelbase.engagement.cadence import CadenceStatus
    touched = datetime.now(timezone.utc)

    def status(due_in: int, every: int = 30) -> CadenceStatus:
        return CadenceStatus(1, "P", False, 1, 1, "rule", every, ("call",), touched, TODAY + timedelta(days=due_in))

    assert components.cadence_component(status(20), 1, TODAY).score == Decimal("100.0")
    assert components.cadence_component(status(7), 1, TODAY).score == Decimal("70.0")  # a week: due soon
    assert components.cadence_component(status(0), 1, TODAY).score == Decimal("70.0")  # due today
    assert components.cadence_component(status(2, every=7), 1, TODAY).score == Decimal("100.0")  # weekly: 1 day
    assert components.cadence_component(status(-15), 1, TODAY).score == Decimal("25.0")
    assert components.cadence_component(status(-40), 1, TODAY).score == Decimal("0.0")
    assert components.cadence_component(None, 1, TODAY).score is None


def test_pipeline_and_win_rate_edges():
    assert components_deals.pipeline_component(1, Decimal(0), Decimal(0), TODAY).score == Decimal("0.0")
    assert components_deals.pipeline_component(1, Decimal(10), Decimal(0), TODAY).score == Decimal("100.0")
    assert components_deals.pipeline_component(1, Decimal(50), Decimal(100), TODAY).score == Decimal("40.0")
    assert components_deals.win_rate_component(1, 1, 1, TODAY).score is None  # two closed: not enough
    assert components_deals.win_rate_component(1, 3, 0, TODAY).score == Decimal("100.0")


def test_registrations_without_a_tier_requirement_compare_with_the_previous_90_days():
    registered = Subject(1, "registered")
    assert components_deals.registration_component(registered, 3, 4, 0).score == Decimal("75.0")
    assert components_deals.registration_component(registered, 2, 0, 0).score == Decimal("100.0")
    assert components_deals.registration_component(registered, 0, 0, 0).score == Decimal("0.0")
    assert "compared with the 90 days before (4)" in components_deals.registration_component(
        registered, 3, 4, 0).explanation


def test_a_missing_exchange_rate_leaves_the_pipeline_out(db, actor, world):
    from datetime import timedelta

    from channelbase.deals import opportunities
    from channelbase.deals.deal_schemas import OpportunityCreate
    built = make_partner(db, actor, world, "Peso Sem Taxa Ltda.")
    deal = opportunities.create_opportunity(db, actor("lucia"), OpportunityCreate(
        name="Sem taxa", account_id=built.account_id, partner_id=built.partner_id, amount="1000.00",
        currency="USD", close_date=TODAY + timedelta(days=20)))
    deal.currency = fx_currency_without_rate(db)  # as imported history may be: no CLP rate was ever loaded
    db.flush()
    found = components_deals.pipeline(db, [Subject(built.partner_id, "gold")], TODAY)[built.partner_id]
    assert found.score is None and "cannot be converted" in found.explanation and found.evidence == "/fx-rates"


def fx_currency_without_rate(db) -> str:
    from channelbase.deals.models import FxRate
    assert db.scalar(select(FxRate.id).where(FxRate.currency == "CLP")) is None
    return "CLP"


def test_components_take_a_few_queries_whatever_the_number_of_partners(db, actor, world, known):
    from sqlalchemy import event
    many = [Subject(pid, "gold") for pid in (known.partner_id, *world.partners.values())]
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.get_bind(), "before_cursor_execute", listen)
    try:
        compute(db, many[:1], TODAY, DEFAULT_WEIGHTS)
        few = len(statements)
        statements.clear()
        compute(db, many, TODAY, DEFAULT_WEIGHTS)
    finally:
        event.remove(db.get_bind(), "before_cursor_execute", listen)
    assert len(statements) == few < 25  # the same statements for 1 partner as for 5


def test_partner_health_is_for_staff_who_see_the_partner(db, actor, world):
    with pytest.raises(NotFound):
        partner_health(db, actor("nathan"), world.partners["abertas"], TODAY)
    with pytest.raises(NotPermitted):
        partner_health(db, actor("ana"), world.partners["abertas"], TODAY)
    assert score.partner_health(db, actor("admin"), world.partners["abertas"], TODAY).partner_id == \
        world.partners["abertas"]


def test_a_registered_partner_is_measured_against_silvers_certified_people(db, actor, world):
    built = make_partner(db, actor, world, "Registrada Nova Ltda.", tier="registered")
    found = components.certifications(db, [Subject(built.partner_id, "registered")], TODAY)[built.partner_id]
    assert found.score == Decimal("0.0")
    assert found.explanation == ("0 of the 2 certified people Silver (Registered asks none) asks for: "
                                 "0 of 1 sales, 0 of 1 pre-sales.")
