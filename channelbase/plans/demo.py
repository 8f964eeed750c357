"""The demo's joint business plans for this fiscal year: Soluções Abertas and Nube Bravo signed theirs in the
portal; Distribuidora Delta's and Northwind's are drafts (Dora can sign Delta's). Actuals come from the
demo's own deals, registrations, certifications and events."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.growth import fiscal
from channelbase.partners.models import Partner
from channelbase.plans.models import BusinessPlan, PlanCommitment, PlanRevision, PlanStatus
from channelbase.plans.plans import active_key, snapshot

# (side, kind, description, quarterly targets: whole units of the reporting currency for money, else counts)
Commitment = tuple[str, str, str, tuple[int, int, int, int]]
RESELLER: list[Commitment] = [
    ("partner", "bookings", "", (60_000, 80_000, 90_000, 120_000)),
    ("partner", "pipeline_created", "", (200_000, 220_000, 250_000, 300_000)),
    ("partner", "registrations", "", (6, 8, 8, 10)),
    ("partner", "certified_people", "Sales and pre-sales", (1, 2, 3, 4)),
    ("vendor", "marketing_activities", "Joint events and webinars", (1, 1, 2, 1)),
    ("vendor", "custom", "Market development funds claims paid within 30 days", (2, 2, 2, 2)),
]
DISTRIBUTOR: list[Commitment] = [
    ("partner", "bookings", "Sell-out through resellers", (150_000, 180_000, 200_000, 250_000)),
    ("partner", "registrations", "", (12, 15, 15, 20)),
    ("vendor", "marketing_activities", "Reseller recruitment days", (2, 2, 2, 2)),
]
PLANS = [  # partner name, commitments, signed?, objectives
    ("Soluções Abertas Ltda.", RESELLER, True, "Grow Kubernetes and Linux subscriptions in São Paulo's public "
                                              "sector; two more certified sellers by mid-year."),
    ("Nube Bravo S.A. de C.V.", RESELLER, True, "Bring managed-service customers in Monterrey onto annual "
                                               "subscriptions."),
    ("Distribuidora Delta S.A.", DISTRIBUTOR, False, "Recruit and enable ten new resellers in Brazil."),
    ("Northwind Systems Inc.", RESELLER[:3], False, "Expand healthcare accounts in New England."),
]


def load_plans(session: Session, today: date) -> dict[str, int]:
    year = fiscal.current_year(session, today)
    names = [name for name, *_rest in PLANS]
    partners = {p.name: p for p in session.scalars(select(Partner).where(Partner.name.in_(names)))}
    signed_at = datetime.combine(max(year.start, today - timedelta(days=20)), time(14), tzinfo=timezone.utc)
    made = {"business_plans": 0, "plan_commitments": 0, "plan_revisions": 0}
    for name, commitments, signed, objectives in PLANS:
        partner = partners.get(name)
        if partner is None:
            continue
        signer = session.scalar(select(User.id).where(User.partner_id == partner.id, User.role == Role.PARTNER)
                                .order_by(User.id).limit(1)) if signed else None
        plan = BusinessPlan(partner_id=partner.id, fiscal_year=year.year, revision=1, objectives=objectives,
                            active_key=active_key(partner.id, year.year), created_by_id=partner.owner_id,
                            status=PlanStatus.SIGNED if signer else PlanStatus.DRAFT, locked=bool(signer),
                            signed_at=signed_at if signer else None, signed_by_id=signer)
        session.add(plan)
        session.flush()
        for position, (side, kind, description, targets) in enumerate(commitments, start=1):
            scale = 100 if kind in ("bookings", "pipeline_created") else 1  # money targets in minor units
            q1, q2, q3, q4 = (value * scale for value in targets)
            custom = kind == "custom"
            session.add(PlanCommitment(plan_id=plan.id, side=side, kind=kind, description=description,
                                       position=position, q1_target=q1, q2_target=q2, q3_target=q3, q4_target=q4,
                                       q1_actual=2 if custom and year.start <= today else None))
        session.flush()
        made["business_plans"] += 1
        made["plan_commitments"] += len(commitments)
        if signer:
            session.add(PlanRevision(plan_id=plan.id, revision=1, action="signed", snapshot=snapshot(session, plan),
                                     changed_by_id=signer, changed_at=signed_at))
            made["plan_revisions"] += 1
    session.flush()
    return made
