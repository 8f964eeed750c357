"""A partner built with known activity, pipeline, registrations, certifications, survey answers and a signed plan,
so that each health component and the weighted score can be checked exactly."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.core.base import utcnow
from channelbase.deals import fx, opportunities, registrations
from channelbase.deals.deal_schemas import OpportunityCreate, RegistrationCreate, RejectIn
from channelbase.enablement import catalogue
from channelbase.enablement.models import Certification
from channelbase.enablement.schemas import CourseIn
from channelbase.engagement import activities, cadence
from channelbase.engagement.schemas import ActivityCreate, CadenceRuleIn
from channelbase.health.models import HealthSnapshot
from channelbase.partners import accounts, service as partners
from channelbase.partners.schemas import AccountCreate, ContactCreate, PartnerCreate

TODAY = utcnow().date()


def at(days_ago: int, hour: int = 12) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), time(hour), timezone.utc)


@dataclass
class Built:
    partner_id: int
    account_id: int
    contacts: list[int] = field(default_factory=list)
    user_id: int = 0


def make_partner(db, actor, world, name: str, *, type_: str = "si", tier: str = "gold") -> Built:
    admin = actor("admin")
    partner = partners.create_partner(db, admin, PartnerCreate(
        name=name, type=type_, tier=tier, status="active", territory_id=world.territories["brazil"], country="BR",
        currency="BRL", owner_id=world.users["lucia"]))
    db.flush()
    account = accounts.create_account(db, admin, AccountCreate(
        name=f"Cliente de {name}", country="BR", territory_id=world.territories["brazil"]))
    db.flush()
    return Built(partner.id, account.id)


def _deal(db, actor, built: Built, amount: str, currency: str, created_days_ago: int, close_days: int,
          stage: str | None = None):
    deal = opportunities.create_opportunity(db, actor, OpportunityCreate(
        name=f"Deal {amount} {currency} {created_days_ago}", account_id=built.account_id, partner_id=built.partner_id,
        amount=amount, currency=currency, close_date=TODAY + timedelta(days=close_days), stage=stage))
    deal.created_at = at(created_days_ago)
    return deal


def _register(db, actor, built: Built, title: str, submitted_days_ago: int):
    registration = registrations.submit_registration(db, actor, RegistrationCreate(
        partner_id=built.partner_id, title=title, customer_name=f"Empresa {title} S.A.", customer_country="BR",
        amount="1000.00", currency=fx.reporting_currency(), expected_close_date=TODAY + timedelta(days=30)))
    registration.submitted_at = at(submitted_days_ago)
    return registration


def _certify(db, built: Built, contact_id: int, course_id: int, expires_in: int | None):
    db.add(Certification(partner_id=built.partner_id, contact_id=contact_id, course_id=course_id,
                         certified_on=TODAY - timedelta(days=60),
                         expires_on=None if expires_in is None else TODAY + timedelta(days=expires_in)))


def add_activity(db, actor, built: Built, kind: str, days_ago: int) -> None:
    activities.log_activity(db, actor, ActivityCreate(partner_id=built.partner_id, type=kind,
                                                      summary=f"{kind} {days_ago} days ago",
                                                      occurred_at=at(days_ago)))


def add_answers(db, actor, built: Built, scores: list[tuple[int, int]]) -> None:
    """Survey answers (NPS score, days ago) from the partner's contacts, through the survey link."""
    from channelbase.auth.service import token_digest
    from channelbase.surveys import answering, service as surveys
    from channelbase.surveys.models import SurveyInvitation
    from channelbase.surveys.schemas import SurveyIn
    survey = surveys.create_survey(db, actor, SurveyIn(name=f"Health NPS {built.partner_id}"))
    db.flush()
    for contact_id, (score, days_ago) in zip(built.contacts, scores, strict=False):
        secret = secrets.token_urlsafe(16)
        db.add(SurveyInvitation(survey_id=survey.id, partner_id=built.partner_id, contact_id=contact_id,
                                language="en", token_hash=token_digest(secret), sent_at=at(days_ago + 1)))
        db.flush()
        answering.answer_by_token(db, secret, {"nps": str(score)}, now=at(days_ago))


def add_signed_plan(db, actor, built: Built) -> None:
    """A signed plan whose one (custom) commitment is far exceeded: 150 % attained (the plans cap)."""
    from channelbase.plans import commitments, plans
    from channelbase.plans.schemas import ActualsIn, CommitmentIn, PlanCreate, SignIn
    lucia = actor("lucia")
    plan = plans.create_plan(db, lucia, PlanCreate(partner_id=built.partner_id), today=TODAY)
    commitment = commitments.add_commitment(db, lucia, plan.id, CommitmentIn(
        side="partner", kind="custom", description="Joint webinars", q1="1", q2="1", q3="1", q4="1"))
    db.flush()
    commitments.set_actuals(db, lucia, plan.id, commitment.id, ActualsIn(
        version=commitment.version, q1=1000, q2=1000, q3=1000, q4=1000))
    db.flush()
    signer = db.get(User, built.user_id)
    plans.sign_plan(db, signer, SignIn(plan_id=plan.id, version=plan.version, agree=True))
    db.flush()


def build_known(db, actor, world) -> Built:
    """Clínica Digital: a Gold SI partner in Brazil with, as of TODAY:
    - cadence: a rule "every 30 days, meetings and calls"; last meeting 35 days ago -> 5 days overdue;
    - pipeline created: 30,000 USD (10 d ago) + 100,000 BRL (40 d ago) in the last 90 days, 40,000 USD (100 d)
      + 20,000 BRL (150 d) in the 90 before; BRL at 0.25 today (0.20 before): 55,000 against 45,000 USD;
    - closed in 12 months: won 2 (30,000 USD, 20,000 BRL), lost 3 -> 40 %;
    - registrations: 2 in the last 90 days (plus one rejected, one older); Gold asks 10 a year;
    - certified: 3 sales people (Gold asks 2), 1 pre-sales (asks 2; another lapsed);
    - NPS answers 10, 9 and 6 this year (+33.3), a 0 of 400 days ago (not counted);
    - a signed plan 150 % attained."""
    admin, lucia = actor("admin"), actor("lucia")
    fx.set_rate(db, admin, "BRL", TODAY - timedelta(days=400), "0.20")
    fx.set_rate(db, admin, "BRL", TODAY - timedelta(days=30), "0.25")
    built = make_partner(db, actor, world, "Clínica Digital Ltda.")
    for index, (name, role) in enumerate((("Marta Vendas", "sales"), ("Nuno Vendas", "sales"),
                                          ("Olga Vendas", "sales"), ("Pedro Técnico", "presales"),
                                          ("Rita Técnica", "presales"))):
        built.contacts.append(partners.create_contact(db, admin, ContactCreate(
            partner_id=built.partner_id, name=name, email=f"{name.split()[0].lower()}@clinicadigital.com.br",
            role=role, is_primary=index == 0)).id)
    db.flush()
    built.user_id = auth_service.create_user(db, admin, email="marta@clinicadigital.com.br", name="Marta Vendas",
                                             role=Role.PARTNER, password="clinic-lantern-harbor-42", partner_id=built.partner_id).id
    cadence.create_rule(db, admin, CadenceRuleIn(name="SI Gold every 30 days", every_days=30,
                                                 counted_types=["meeting", "call"], partner_type="si", tier="gold"))
    add_activity(db, lucia, built, "call", 60)
    add_activity(db, lucia, built, "meeting", 35)
    add_activity(db, lucia, built, "email", 2)  # not a type the rule counts
    _deal(db, lucia, built, "30000.00", "USD", 10, -5, "won")
    _deal(db, lucia, built, "100000.00", "BRL", 40, 30)
    _deal(db, lucia, built, "40000.00", "USD", 100, -60, "lost")
    _deal(db, lucia, built, "20000.00", "BRL", 150, -90, "won")
    _deal(db, lucia, built, "99999.00", "USD", 200, -120, "lost")
    _deal(db, lucia, built, "10000.00", "USD", 300, -200, "lost")
    old = _deal(db, lucia, built, "5000.00", "USD", 400, -300, "won")
    old.close_date = TODAY - timedelta(days=400)  # imported history: closed over a year ago
    _register(db, lucia, built, "Alfa", 5)
    _register(db, lucia, built, "Beta", 50)
    _register(db, lucia, built, "Gama", 120)
    rejected = _register(db, lucia, built, "Delta", 20)
    db.flush()
    registrations.reject(db, lucia, rejected.id, RejectIn(version=rejected.version, reason="Duplicate"))
    sales = catalogue.create_course(db, lucia, CourseIn(name="Health sales", kind="sales", duration_hours=2,
                                                        certification_months=12))
    presales = catalogue.create_course(db, lucia, CourseIn(name="Health pre-sales", kind="presales",
                                                           duration_hours=2, certification_months=12))
    db.flush()
    for contact_id in built.contacts[:3]:
        _certify(db, built, contact_id, sales.id, 200)
    _certify(db, built, built.contacts[3], presales.id, None)
    _certify(db, built, built.contacts[4], presales.id, -1)  # lapsed yesterday
    add_answers(db, lucia, built, [(10, 20), (9, 40), (6, 100), (0, 400)])
    add_signed_plan(db, actor, built)
    db.flush()
    return built


@pytest.fixture
def known(db, actor, world) -> Built:
    return build_known(db, actor, world)


def snapshot(db, partner_id: int, days_ago: int, score: str | None, components: list | None = None) -> None:
    db.add(HealthSnapshot(partner_id=partner_id, day=TODAY - timedelta(days=days_ago),
                          score=None if score is None else Decimal(score), components=components or []))


def part(key: str, score: str, share: str = "50.0", weight: int = 20) -> dict:
    return {"key": key, "score": score, "weight": weight, "share": share, "explanation": f"{key} explained",
            "evidence": f"/evidence/{key}"}


@pytest.fixture
def history(db, world):
    """Stored scores of the world's partners, today and 30 days ago:
    abertas 45.0 (was 50.0): at risk, under 50; delta 60.2 (was 75.2): at risk, 15 points down, its cadence fell;
    bravo (Mexico) 65.3 (was 55.3): rising 10 points; northwind (US East) 40.0, no earlier score: at risk."""
    p = world.partners
    snapshot(db, p["abertas"], 0, "45.0", [part("cadence", "30.0"), part("pipeline", "60.0")])
    snapshot(db, p["abertas"], 30, "50.0", [part("cadence", "40.0"), part("pipeline", "60.0")])
    snapshot(db, p["delta"], 0, "60.2", [part("cadence", "20.4"), part("pipeline", "100.0")])
    snapshot(db, p["delta"], 31, "75.2", [part("cadence", "50.4"), part("pipeline", "100.0")])
    snapshot(db, p["delta"], 60, "90.0")
    snapshot(db, p["bravo"], 0, "65.3", [part("cadence", "70.6"), part("pipeline", "60.0")])
    snapshot(db, p["bravo"], 30, "55.3", [part("cadence", "50.6"), part("pipeline", "60.0")])
    snapshot(db, p["northwind"], 1, "40.0", [part("nps", "10.0", "100.0")])
    db.flush()
    return p


def day(days_ago: int) -> date:
    return TODAY - timedelta(days=days_ago)
