"""Deterministic deal registrations and opportunities for the demo, at every scale.

Rows follow the rules of `registrations.py` and `opportunities.py` without going through them (one
service call per deal would take hours at 500,000 opportunities): only active and onboarding partners
sell, in their own currency and territory; registrations carry the decision SLA, decision and expiry
dates their status implies; converted ones point at their opportunity; every opportunity has the
outcome and probability of its stage and 1-4 stage changes ending at `stage_changed_at`; closed
deals closed on or after the first demo FX rate, so pipeline totals convert every deal.

Customers of registrations are kept apart from the accounts opportunities are sold to, and each is
registered once, so conflicts are mostly the deliberate pairs: a second partner typing an open
registration's customer differently (accents lost, legal form changed, a typo). `record_conflicts`
stores on those what `find_conflicts` reports; the other registrations keep 0 (a similar account name
found by chance shows on the review page, which re-checks).

Ids are given explicitly so that child rows can be built in the same pass; on PostgreSQL the id
sequences are moved past them at the end. Each row draws from a generator seeded with the seed and its
number, so the clock (dates are relative to now) never changes who sells what to whom.
"""

from __future__ import annotations

import bisect
import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.errors import Conflict
from channelbase.core.money import minor_units
from channelbase.core.names import company_key, strip_accents
from channelbase.deals.conflicts import Customer, find_conflicts
from channelbase.deals.demo import LAST_RATE_DATE, MONTHS, START_RATES
from channelbase.deals.models import (
    Opportunity, OpportunityProduct, Product, ProductPrice, Program, Registration, RegistrationProduct, Stage,
    StageChange,
)
from channelbase.demo import names_data as words
from channelbase.demo.world import PARTNERS as WORLD_PARTNERS
from channelbase.matching.score import SHIPPED_THRESHOLD, score_names
from channelbase.partners.models import Account, Partner, PartnerLink

CHUNK = 5_000
# The first demo FX rate: no deal may close before it, or the pipeline totals could not convert it.
_FIRST_MONTH = LAST_RATE_DATE.year * 12 + LAST_RATE_DATE.month - MONTHS  # months since year 0, 0-based
FIRST_RATE_DATE = date(_FIRST_MONTH // 12, _FIRST_MONTH % 12 + 1, 1)
REGISTRATION_STATUSES = (("submitted", 15), ("approved", 30), ("rejected", 15), ("converted", 30), ("expired", 10))
OUTCOMES = (("open", 60), ("won", 25), ("lost", 15))
OPEN_STAGE_WEIGHTS = (30, 25, 20, 15, 10)  # qualify .. commit: fewer deals reach the later stages
SOURCES = (("partner", 55), ("co_sell", 30), ("vendor", 15))
CONFLICT_SHARE = 0.03
NEW_CUSTOMER_SHARE = 0.12  # registrations naming a customer that is not an account yet
REGISTRATION_POOL_SHARE = 0.35  # accounts kept for registrations, each registered once
WITH_DISTRIBUTOR = 0.30
HIDDEN_FROM_DISTRIBUTOR = 0.10
WITH_LINES = 0.35
STALLED_SHARE = 0.25
TIER_WEIGHT = {"platinum": 8.0, "gold": 4.0, "silver": 2.0, "registered": 1.0}
TYPE_WEIGHT = {"lvar": 2.0, "si": 1.5, "dmr": 1.5, "var": 1.0, "msp": 0.8, "public_sector": 1.2}
MEDIAN_USD = {"lvar": 60_000, "si": 50_000, "dmr": 20_000, "var": 25_000, "msp": 15_000, "public_sector": 40_000}
# Per persona partner: the statuses of its registrations and the outcomes of its opportunities, so
# every demo login sees a registration queue and a pipeline whatever the scale.
PERSONA_REGISTRATIONS = ("submitted", "approved", "approved", "converted", "rejected")
PERSONA_OPPORTUNITIES = ("open", "open", "open", "open", "won", "lost")
QUANTITIES = {"ELS-STD-1Y": (5, 200), "ELS-PRM-1Y": (2, 100), "ELS-PRM-3Y": (2, 60), "ELW-STD-1Y": (10, 400),
              "ELS-VDC-1Y": (1, 12), "CMP-STD-1Y": (1, 4), "KPP-1Y": (2, 30), "KPP-3Y": (2, 20),
              "OBS-TB-MO": (10, 300), "AUT-STD-1Y": (1, 5), "AUT-PRM-1Y": (1, 5), "SVC-TAM-1Y": (1, 1),
              "TRN-SYS-5D": (1, 12), "TRN-EXAM": (1, 30), "SVC-DAY": (2, 40)}
OFFERS = {"OS": ("Enterprise Linux refresh", "Linux subscriptions renewal", "server consolidation",
                 "workstation rollout", "migration from CentOS"),
          "Cloud": ("Kubernetes platform", "private cloud", "object storage", "hybrid cloud management"),
          "Automation": ("automation rollout", "network automation"),
          "Services": ("TAM services", "training plan", "consulting hours")}
NEXT_STEPS = ("Demo scheduled", "Send the quote", "Architecture workshop", "Proof of concept", "Security questionnaire",
              "Legal review of the terms", "Budget approval", "Meet the CIO", "Procurement review",
              "Technical validation", "")
NOTES = ("Public tender expected next quarter.", "Competing with a proprietary Unix renewal.",
         "Customer asked for a proof of concept.", "Budget approved for this fiscal year.",
         "Expansion of an existing subscription.", "Customer's CIO sponsors the project.")
REJECT_REASONS = ("The vendor's enterprise team already works this customer directly.",
                  "Duplicate of an earlier registration for the same customer.",
                  "Not enough detail: name the decision maker, the scope and the timeline.",
                  "Renewal of an existing subscription: renewals are not registrable.",
                  "The customer is outside the partner's territory.")
EXTENSION_REASONS = ("The customer's procurement moved the decision to next quarter.",
                     "Waiting for the public tender to be published.", "Budget freeze until the new fiscal year.")
APPROVAL_NOTES = ("", "", "", "First registration for this customer.", "Good fit: please involve the partner SE.")


# What the loader reads once -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Seller:
    id: int
    type: str
    country: str
    currency: str
    territory_id: int
    owner_id: int | None
    submitter_id: int | None  # its own user if it has one, else its channel manager enters the deal
    distributors: tuple[int, ...]
    weight: float  # how many deals it brings: by tier and type, less while onboarding


@dataclass(frozen=True, slots=True)
class _Customer:
    account_id: int | None
    name: str
    domain: str | None
    country: str
    tax_id: str | None


@dataclass(frozen=True, slots=True)
class _Stage:
    id: int
    probability: int
    outcome: str


@dataclass(frozen=True, slots=True)
class _Product:
    id: int
    sku: str
    family: str
    usd: int  # list price in whole dollars


@dataclass(slots=True)
class _Deal:
    """A registration's deal, kept for what comes later: its opportunity, or a conflicting registration."""

    registration_id: int
    seller: _Seller
    customer: _Customer
    title: str
    amount_minor: int
    submitted_at: datetime
    lines: list[tuple[int, int]]
    distributor_id: int | None
    hidden: bool
    status: str = "submitted"
    converted_at: datetime | None = None
    outcome: str = "open"
    close_date: date | None = None


@dataclass
class _Counts:
    registrations: int
    opportunities: int


@dataclass
class PipelineLoad:
    added: dict[str, int]  # rows added per table
    conflicting: list[int]  # the registrations that conflict with an earlier one, for record_conflicts()


def load_pipeline(session: Session, *, registrations: int, opportunities: int, seed: int, now: datetime,
                  advance: Callable[[str, int, int], None]) -> PipelineLoad:
    """Add registrations and opportunities up to the totals given (the rows already there included)."""
    loader = _PipelineLoader(session, seed, now, advance)
    existing = _Counts(*(session.scalar(select(func.count()).select_from(m)) or 0 for m in (Registration, Opportunity)))
    return loader.load(_Counts(max(0, registrations - existing.registrations),
                               max(0, opportunities - existing.opportunities)))


def record_conflicts(session: Session, registration_ids: list[int], today: date) -> None:
    """Store on each registration what the conflict check finds for it now, as submitting it would have.

    Run it after ANALYZE: without planner statistics SQLite scans the opportunities for each check."""
    rows = session.execute(select(Registration.id, Registration.customer_name, Registration.customer_domain,
                                  Registration.customer_country, Registration.customer_tax_id,
                                  Registration.account_id).where(Registration.id.in_(registration_ids)))
    found = []
    for row in rows.all():
        conflicts = find_conflicts(session, Customer(*row[1:]), today, exclude_registration_id=row.id)
        found.append({"registration": row.id, "found": len(conflicts),
                      "best": round(max((c.score for c in conflicts), default=0))})
    table = cast(Table, Registration.__table__)
    if found:
        session.execute(update(table).where(table.c.id == bindparam("registration"))
                        .values(conflict_count=bindparam("found"), conflict_score=bindparam("best")), found)


class _Writer:
    """Inserts rows CHUNK at a time with Core executemany, each table's parents first (foreign keys)."""

    PARENTS = {"registration_products": "registrations", "opportunity_products": "opportunities",
               "opportunity_stage_changes": "opportunities", "opportunities": "registrations"}

    def __init__(self, session: Session, advance: Callable[[str, int, int], None], totals: dict[str, int]):
        self.session, self.advance, self.totals = session, advance, totals
        self.tables: dict[str, Table] = {}
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.done: dict[str, int] = defaultdict(int)

    def add(self, model, row: dict) -> None:
        table: Table = model.__table__
        self.tables.setdefault(table.name, table)
        buffer = self.buffers[table.name]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush(table.name)

    def flush(self, name: str) -> None:
        if parent := self.PARENTS.get(name):
            self.flush(parent)
        rows = self.buffers.pop(name, [])
        if not rows:
            return
        self.session.execute(insert(self.tables[name]), rows)
        self.done[name] += len(rows)
        if name in self.totals:
            self.advance(name, self.done[name], self.totals[name])

    def close(self) -> dict[str, int]:
        for name in list(self.buffers):
            self.flush(name)
        return dict(self.done)


class _PipelineLoader:
    def __init__(self, session: Session, seed: int, now: datetime, advance: Callable[[str, int, int], None]):
        self.session, self.seed, self.advance = session, seed, advance
        self.now, self.today = now, now.date()
        self.stages = _stages(session)
        self.open_stages = [s for s in self.stages if s.outcome == "open"]
        self.closed = {s.outcome: s for s in reversed(self.stages) if s.outcome != "open"}
        if not self.open_stages or set(self.closed) != {"won", "lost"}:
            raise Conflict("The demo pipeline needs open, won and lost stages: run `channelbase demo --reset`.")
        program = session.scalars(select(Program).where(Program.is_default.is_(True)).limit(1)).first()
        self.registration_days = program.registration_days if program else 90
        self.sla_hours = program.decision_sla_hours if program else 48
        self.products = _products(session)
        self.product_by_id = {p.id: p for p in self.products}
        self.sellers, self.personas = _sellers(session)
        self.cumulative = list(_cumulative([s.weight for s in self.sellers]))
        self.by_country: dict[str, list[_Seller]] = defaultdict(list)
        for seller in self.sellers:
            self.by_country[seller.country].append(seller)
        self.registration_pool, self.opportunity_pool, self.own_accounts = _account_pools(
            session, self.rng("deal_accounts"))
        self.taken_keys = set(session.scalars(select(Account.name_key)))

    def rng(self, table: str) -> random.Random:
        return random.Random(f"channelbase-demo:{self.seed}:{table}")

    def row_rngs(self, table: str) -> Callable[[int], random.Random]:
        """row(n) -> the generator of the table's n-th row, seeded from the seed and n alone: a row's
        random draws never depend on another row's, whose count may vary with the clock."""
        base = self.rng(table).getrandbits(64)
        generator = random.Random()

        def row(number: int) -> random.Random:
            generator.seed(base + number)
            return generator

        return row

    def load(self, wanted: _Counts) -> PipelineLoad:
        if not self.sellers or (wanted.registrations == 0 and wanted.opportunities == 0):
            return PipelineLoad({}, [])
        conflicts = max(2, round(wanted.registrations * CONFLICT_SHARE)) if wanted.registrations >= 20 else 0
        writer = _Writer(self.session, self.advance, {"registrations": wanted.registrations,
                                                      "opportunities": wanted.opportunities})
        self.next_registration = (self.session.scalar(select(func.max(Registration.id))) or 0) + 1
        self.next_opportunity = (self.session.scalar(select(func.max(Opportunity.id))) or 0) + 1
        deals = self._registrations(writer, wanted.registrations - conflicts)
        conflicting = self._conflicts(writer, deals, conflicts)
        converted = [deal for deal in deals if deal.converted_at is not None]
        self._opportunities(writer, converted, max(0, wanted.opportunities))
        added = writer.close()
        self._move_sequences()
        return PipelineLoad(added, conflicting)

    def _move_sequences(self) -> None:
        """Explicit ids leave PostgreSQL's sequences behind: the next row the app inserts would collide."""
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table in ("registrations", "opportunities"):
            self.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT coalesce(max(id), 1) FROM {table}))"))

    # Registrations ----------------------------------------------------------------------------------

    def _registrations(self, writer: _Writer, count: int) -> list[_Deal]:
        rng, row = self.rng("registrations"), self.row_rngs("registrations")
        plan = [(seller, status) for seller in self.personas if seller.type != "distributor"
                for status in PERSONA_REGISTRATIONS][:count]
        plan += [(self._seller(rng), _weighted(rng, REGISTRATION_STATUSES)) for _ in range(count - len(plan))]
        deals = []
        for number, (seller, status) in enumerate(plan):
            rng = row(number)
            customer = self._registration_customer(rng, seller, status)
            if status == "converted" and customer.account_id is None:  # no account in its country to sell to
                status = "approved"
            deals.append(self._registration(rng, writer, seller, status, customer))
        return deals

    def _seller(self, rng: random.Random) -> _Seller:
        return self.sellers[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]

    def _registration_customer(self, rng: random.Random, seller: _Seller, status: str) -> _Customer:
        pool = self.registration_pool.get(seller.country)
        if status != "converted" and (not pool or rng.random() < NEW_CUSTOMER_SHARE):
            for _attempt in range(10):  # a name no account or other registration has
                customer = _new_customer(rng, seller.country)
                if (key := company_key(customer.name)) not in self.taken_keys:
                    self.taken_keys.add(key)
                    return customer
        if pool:
            return pool.pop()
        if shared := self.opportunity_pool.get(seller.country):  # the pool ran dry: share an account
            account_id, name = rng.choice(shared)
            return _Customer(account_id, name, None, seller.country, None)
        return _new_customer(rng, seller.country)

    def _registration(self, rng: random.Random, writer: _Writer, seller: _Seller, status: str,
                      customer: _Customer) -> _Deal:
        lines = self._lines(rng) if rng.random() < WITH_LINES else []
        submitted = self._submitted_at(rng, status)
        amount = _amount(rng, seller, lines, submitted.date(), self.product_by_id)
        distributor, hidden = _distributor(rng, seller)
        deal = _Deal(self.next_registration, seller, customer, _title(rng, customer.name, self._family(lines)),
                     amount, submitted, lines, distributor, hidden, status)
        self.next_registration += 1
        row = self._registration_row(deal, status)
        self._decide(rng, deal, row, status)
        writer.add(Registration, row)
        for product_id, quantity in lines:
            writer.add(RegistrationProduct, _line_row("registration_id", deal.registration_id, product_id, quantity,
                                                      submitted))
        return deal

    def _submitted_at(self, rng: random.Random, status: str) -> datetime:
        """When it was submitted, so that its status holds today (approved ones have not expired yet...)."""
        days = self.registration_days
        if status == "submitted":  # about a third past the SLA
            hours = rng.uniform(1, 47) if rng.random() < 0.65 else rng.uniform(49, 240)
            return self.now - timedelta(hours=hours)
        earliest = datetime.combine(FIRST_RATE_DATE + timedelta(days=1), time(12), timezone.utc)
        if status == "approved":  # decided within the last registration_days, so still valid
            return self.now - timedelta(days=rng.uniform(0.2, days - 3))
        if status == "expired":
            latest = self.now - timedelta(days=days + 5)
        else:
            latest = self.now - timedelta(days=2)
        return _between(rng, earliest, max(earliest, latest))

    def _registration_row(self, deal: _Deal, status: str) -> dict[str, Any]:
        customer, seller = deal.customer, deal.seller
        return {
            "id": deal.registration_id, "partner_id": seller.id, "territory_id": seller.territory_id,
            "distributor_id": deal.distributor_id, "hidden_from_distributor": deal.hidden, "title": deal.title,
            "account_id": customer.account_id, "customer_name": customer.name,
            "customer_key": company_key(customer.name), "customer_domain": customer.domain,
            "customer_country": customer.country, "customer_tax_id": customer.tax_id, "currency": seller.currency,
            "amount_minor": deal.amount_minor, "expected_close_date": deal.submitted_at.date() + timedelta(days=90),
            "notes": "", "status": status, "submitted_at": deal.submitted_at, "submitted_by_id": seller.submitter_id,
            "decision_due_at": deal.submitted_at + timedelta(hours=self.sla_hours), "decided_at": None, "decided_by_id": None,
            "decision_reason": "", "expires_on": None, "extensions": 0, "extension_requested_at": None,
            "extension_request_reason": "", "conflict_count": 0, "conflict_score": 0,
            "created_at": deal.submitted_at, "updated_at": deal.submitted_at, "version": 1,
        }

    def _decide(self, rng: random.Random, deal: _Deal, row: dict[str, Any], status: str) -> None:
        """Fill in the decision, expiry, conversion and close date that the status implies."""
        submitted = deal.submitted_at
        row["notes"] = rng.choice(NOTES) if rng.random() < 0.3 else ""
        row["expected_close_date"] = submitted.date() + timedelta(days=rng.randint(20, 270))
        if status == "submitted":
            return
        hours = rng.uniform(2, 46) if rng.random() < 0.8 else rng.uniform(49, 120)  # most within the 48 h SLA
        decided = min(submitted + timedelta(hours=hours), self.now - timedelta(minutes=5))
        row.update(decided_at=decided, decided_by_id=deal.seller.owner_id, updated_at=decided, version=2)
        if status == "rejected":
            row["decision_reason"] = rng.choice(REJECT_REASONS)
            return
        row["decision_reason"] = rng.choice(APPROVAL_NOTES)
        row["expires_on"] = decided.date() + timedelta(days=self.registration_days)
        if status == "approved":
            self._maybe_extension(rng, row)
        elif status == "expired":
            row.update(version=3, updated_at=datetime.combine(row["expires_on"] + timedelta(days=1), time(2),
                                                              timezone.utc))
        else:
            self._convert(rng, deal, row, decided)

    def _maybe_extension(self, rng: random.Random, row: dict[str, Any]) -> None:
        # The draws come first and always: whether they are used depends on the clock.
        wants, days_ago, reason = rng.random() < 0.3, rng.uniform(0.1, 3), rng.choice(EXTENSION_REASONS)
        if row["expires_on"] - self.today <= timedelta(days=14) and wants:  # asked for more time
            asked = max(row["decided_at"], self.now - timedelta(days=days_ago))
            row.update(extension_requested_at=asked, extension_request_reason=reason, updated_at=asked, version=3)

    def _convert(self, rng: random.Random, deal: _Deal, row: dict[str, Any], decided: datetime) -> None:
        """Converted some days after approval; the opportunity's outcome and close date are chosen here."""
        converted = min(decided + timedelta(days=rng.uniform(0.5, 45)), self.now - timedelta(minutes=1))
        deal.converted_at = converted
        deal.outcome, when, slip = _weighted(rng, OUTCOMES), rng.random(), timedelta(days=rng.randint(0, 30))
        start = converted.date() + timedelta(days=7)
        if deal.outcome != "open" and start < self.today:  # closed between then and yesterday
            deal.close_date = start + timedelta(days=int(when * (self.today - start).days))
        else:  # too recent to have closed: still open, closing from a month ago to a year ahead
            deal.outcome = "open"
            deal.close_date = max(self.today + timedelta(days=round(when * 395) - 30), converted.date())
        row["expected_close_date"] = max(deal.submitted_at.date() + timedelta(days=14), deal.close_date - slip)
        row.update(status="converted", updated_at=converted, version=3)

    def _family(self, lines: list[tuple[int, int]]) -> str | None:
        return self.product_by_id[lines[0][0]].family if lines else None

    def _lines(self, rng: random.Random) -> list[tuple[int, int]]:
        chosen = rng.sample(self.products, min(len(self.products), rng.choice((1, 1, 1, 2, 2, 3))))
        return [(p.id, rng.randint(*QUANTITIES.get(p.sku, (1, 10)))) for p in chosen]

    # Conflicts ---------------------------------------------------------------------------------------

    def _conflicts(self, writer: _Writer, deals: list[_Deal], count: int) -> list[int]:
        """A second partner registers an open registration's customer under another spelling; returns their ids."""
        rng = self.rng("registration_conflicts")
        open_deals = [d for d in deals if d.converted_at is None and d.seller.country in self.by_country
                      and len(self.by_country[d.seller.country]) > 1 and self._still_open(d)]
        ids = []
        for original in rng.sample(open_deals, min(count, len(open_deals))):
            other = rng.choice([s for s in self.by_country[original.seller.country] if s.id != original.seller.id])
            name = _variant(rng, original.customer.name, original.seller.country)
            ids.append(self._conflict(rng, writer, original, other, name))
        return ids

    @staticmethod
    def _still_open(deal: _Deal) -> bool:
        return deal.status in ("submitted", "approved")

    def _conflict(self, rng: random.Random, writer: _Writer, original: _Deal, seller: _Seller, name: str) -> int:
        customer = _Customer(None, name, None, original.customer.country, None)
        submitted = original.submitted_at + (self.now - original.submitted_at) * rng.uniform(0.2, 0.98)
        amount = _round_money(original.amount_minor * rng.uniform(0.8, 1.2), seller.currency, minor=True)
        distributor, hidden = _distributor(rng, seller)
        deal = _Deal(self.next_registration, seller, customer, _title(rng, name, None), amount,
                     submitted, [], distributor, hidden)
        self.next_registration += 1
        row = self._registration_row(deal, "submitted")
        row["expected_close_date"] = submitted.date() + timedelta(days=rng.randint(30, 240))
        decided = submitted + timedelta(hours=rng.uniform(3, 40))
        if rng.random() < 0.3 and decided < self.now:
            row.update(status="rejected", decided_at=decided, decided_by_id=seller.owner_id, updated_at=decided,
                       version=2, decision_reason=f"Registered earlier by another partner "
                                                  f"(REG-{original.registration_id:06d}).")
        writer.add(Registration, row)
        return deal.registration_id

    # Opportunities ------------------------------------------------------------------------------------

    def _opportunities(self, writer: _Writer, converted: list[_Deal], count: int) -> None:
        rng, row = self.rng("opportunities"), self.row_rngs("opportunities")
        for number, deal in enumerate(converted[:count]):
            self._opportunity(row(number), writer, deal.seller, deal.outcome, deal)
        plan = [(s, outcome) for s in self.personas if s.type != "distributor" for outcome in PERSONA_OPPORTUNITIES]
        remaining = max(0, count - len(converted))
        plan = plan[:remaining]
        plan_size = len(plan)
        for number in range(len(converted), count):
            index = number - len(converted)
            seller, outcome = plan[index] if index < plan_size else (self._seller(rng), _weighted(rng, OUTCOMES))
            self._opportunity(row(number), writer, seller, outcome, None)

    def _opportunity(self, rng: random.Random, writer: _Writer, seller: _Seller, outcome: str,
                     deal: _Deal | None) -> None:
        stage = self._final_stage(rng, outcome)
        path = self._path(rng, stage, converted=deal is not None)
        close, times = self._timeline(rng, stage, len(path), deal)
        if deal is None:
            account = self._opportunity_account(rng, seller)
            lines = self._lines(rng) if rng.random() < WITH_LINES else []
            amount = _amount(rng, seller, lines, min(close, self.today), self.product_by_id)
            distributor, hidden = _distributor(rng, seller)
            name, source, registration_id = _title(rng, account[1], self._family(lines)), None, None
            account_id = account[0]
        else:
            lines, amount, distributor, hidden = deal.lines, deal.amount_minor, deal.distributor_id, deal.hidden
            name, source, registration_id = deal.title, "partner", deal.registration_id
            assert deal.customer.account_id is not None  # converted registrations always name an account
            account_id = deal.customer.account_id
        opportunity_id = self.next_opportunity
        self.next_opportunity += 1
        writer.add(Opportunity, {
            "id": opportunity_id, "name": name, "account_id": account_id, "partner_id": seller.id,
            "distributor_id": distributor, "hidden_from_distributor": hidden, "territory_id": seller.territory_id,
            "registration_id": registration_id, "currency": seller.currency, "amount_minor": amount,
            "close_date": close, "stage_id": stage.id, "outcome": stage.outcome, "probability": stage.probability,
            "source": source or _weighted(rng, SOURCES), "owner_id": seller.owner_id,
            "next_step": rng.choice(NEXT_STEPS) if stage.outcome == "open" else "", "stage_changed_at": times[-1],
            "created_at": times[0], "updated_at": times[-1] + (self.now - times[-1]) * (rng.random() * 0.2),
            "version": len(path),
        })
        previous = None
        for step, at in zip(path, times, strict=True):
            writer.add(StageChange, {"opportunity_id": opportunity_id, "from_stage_id": previous, "to_stage_id": step.id,
                                     "at": at, "by_id": seller.owner_id, "amount_minor": amount,
                                     "currency": seller.currency})
            previous = step.id
        for product_id, quantity in lines:
            writer.add(OpportunityProduct, _line_row("opportunity_id", opportunity_id, product_id, quantity, times[0]))

    def _final_stage(self, rng: random.Random, outcome: str) -> _Stage:
        weights = OPEN_STAGE_WEIGHTS[:len(self.open_stages)] + (5,) * (len(self.open_stages) - len(OPEN_STAGE_WEIGHTS))
        open_stage = rng.choices(self.open_stages, weights)[0]  # drawn for closed deals too: same draws either way
        return open_stage if outcome == "open" else self.closed[outcome]

    def _path(self, rng: random.Random, final: _Stage, converted: bool) -> list[_Stage]:
        """The stages the deal went through, creation first: 1-4 of them, in board order, ending at `final`."""
        if final.outcome == "open":
            before = self.open_stages[:self.open_stages.index(final)]
            steps = rng.randint(1, min(4, len(before) + 1))
        else:
            before = self.open_stages
            steps = rng.randint(2, min(4, len(before) + 1))
        picked = sorted(rng.sample(range(len(before)), steps - 1))
        if converted and before and picked and picked[0] != 0 and rng.random() < 0.7:
            picked[0] = 0  # converted deals mostly start where conversion puts them: the first open stage
        return [before[i] for i in picked] + [final]

    def _timeline(self, rng: random.Random, final: _Stage, steps: int,
                  deal: _Deal | None) -> tuple[date, list[datetime]]:
        """The close date and the time of each stage change (the last one is stage_changed_at)."""
        if deal is not None and deal.converted_at is not None and deal.close_date is not None:
            created, close = deal.converted_at, deal.close_date
            last = _between(rng, created, self.now) if steps > 1 else created
            if final.outcome != "open":
                last = max(created, min(self.now, datetime.combine(close, time(rng.randint(12, 22)), timezone.utc)))
        elif final.outcome == "open":
            close = self.today + timedelta(days=rng.randint(-30, 365))
            stalled = rng.random() < STALLED_SHARE
            last = self.now - timedelta(days=rng.uniform(31, 200) if stalled else rng.uniform(0.05, 29))
            created = last - timedelta(days=rng.uniform(3, 240)) if steps > 1 else last
        else:
            earliest = max(FIRST_RATE_DATE, self.today - timedelta(days=540))
            close = earliest + timedelta(days=int(rng.random() * max(1, (self.today - earliest).days)))
            last = min(self.now, datetime.combine(close, time(rng.randint(12, 22), rng.randrange(60)), timezone.utc))
            created = last - timedelta(days=rng.uniform(14, 300))
        middle = sorted(_between(rng, created, last) for _ in range(steps - 2))
        return close, ([created, *middle, last] if steps > 1 else [last])

    def _opportunity_account(self, rng: random.Random, seller: _Seller) -> tuple[int, str]:
        own = self.own_accounts.get(seller.id)
        if own and rng.random() < 0.35:
            return rng.choice(own)
        pool = self.opportunity_pool.get(seller.country) or next(iter(self.opportunity_pool.values()))
        return rng.choice(pool)


# Reading the database ----------------------------------------------------------------------------------

def _stages(session: Session) -> list[_Stage]:
    rows = session.execute(select(Stage.id, Stage.probability, Stage.outcome)
                           .where(Stage.active.is_(True)).order_by(Stage.position, Stage.id))
    return [_Stage(*row) for row in rows]


def _products(session: Session) -> list[_Product]:
    rows = session.execute(select(Product.id, Product.sku, Product.family, ProductPrice.list_price_minor)
                           .join(ProductPrice, ProductPrice.product_id == Product.id)
                           .where(Product.active.is_(True), ProductPrice.currency == "USD").order_by(Product.id))
    return [_Product(row.id, row.sku, row.family, row.list_price_minor // 100) for row in rows]


def _sellers(session: Session) -> tuple[list[_Seller], list[_Seller]]:
    """Partners that sell (active or onboarding, not distributors), and the named personas' among them."""
    distributors: dict[int, list[int]] = defaultdict(list)
    for distributor_id, reseller_id in session.execute(select(PartnerLink.distributor_id, PartnerLink.reseller_id)
                                                       .order_by(PartnerLink.id)):
        distributors[reseller_id].append(distributor_id)
    users = {row[0]: row[1] for row in session.execute(
        select(User.partner_id, func.min(User.id)).where(User.partner_id.is_not(None)).group_by(User.partner_id))}
    rows = session.execute(select(Partner.id, Partner.type, Partner.country, Partner.currency, Partner.territory_id,
                                  Partner.owner_id, Partner.name_key, Partner.tier, Partner.status)
                           .where(Partner.deleted_at.is_(None), Partner.status.in_(("active", "onboarding")),
                                  Partner.type != "distributor").order_by(Partner.id)).all()
    sellers = [_Seller(r.id, r.type, r.country, r.currency, r.territory_id, r.owner_id, users.get(r.id, r.owner_id),
                       tuple(distributors.get(r.id, ())), TYPE_WEIGHT.get(r.type, 1.0) * TIER_WEIGHT.get(r.tier, 1.0)
                       * (0.4 if r.status == "onboarding" else 1.0)) for r in rows]
    persona_keys = {company_key(fields["name"]) for _key, _territory, fields in WORLD_PARTNERS}
    keys = {r.id: r.name_key for r in rows}
    return sellers, [s for s in sellers if keys[s.id] in persona_keys]


def _cumulative(weights: list[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _account_pools(session: Session, rng: random.Random):
    """Per country: accounts kept for registrations (each registered once) and accounts opportunities
    are sold to (many deals each); and per partner, its own accounts among the latter."""
    by_country: dict[str, list[_Customer]] = defaultdict(list)
    owners: dict[int, int] = {}
    rows = session.execute(select(Account.id, Account.name, Account.domain, Account.country, Account.tax_id,
                                  Account.partner_id).where(Account.deleted_at.is_(None)).order_by(Account.id))
    for row in rows:
        by_country[row.country].append(_Customer(row.id, row.name, row.domain, row.country, row.tax_id))
        if row.partner_id is not None:
            owners[row.id] = row.partner_id
    registration_pool, opportunity_pool = {}, {}
    own: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for country, customers in sorted(by_country.items()):
        rng.shuffle(customers)
        cut = int(len(customers) * REGISTRATION_POOL_SHARE) if len(customers) > 2 else 0
        registration_pool[country] = customers[:cut]
        opportunity_pool[country] = [(c.account_id, c.name) for c in customers[cut:]]
        for account_id, name in opportunity_pool[country]:
            if account_id in owners:
                own[owners[account_id]].append((account_id, name))
    return registration_pool, opportunity_pool, own


# Values, names and dates -------------------------------------------------------------------------------

def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    share = rng.random()  # drawn even when the span is empty
    return start + (end - start) * share if end > start else start


def _line_row(parent: str, parent_id: int, product_id: int, quantity: int, at: datetime) -> dict[str, Any]:
    return {parent: parent_id, "product_id": product_id, "quantity": quantity, "created_at": at, "updated_at": at}


def _distributor(rng: random.Random, seller: _Seller) -> tuple[int | None, bool]:
    """Two-tier deals name one of the reseller's distributors; a few are hidden from it."""
    if not seller.distributors or rng.random() >= WITH_DISTRIBUTOR:
        return None, False
    return rng.choice(seller.distributors), rng.random() < HIDDEN_FROM_DISTRIBUTOR


def _title(rng: random.Random, customer: str, family: str | None) -> str:
    offers = OFFERS[family] if family in OFFERS else OFFERS[rng.choice(sorted(OFFERS))]
    return f"{customer} — {rng.choice(offers)}"[:200]


def _local_per_usd(currency: str, on_date: date) -> float:
    """About what the demo FX history says a dollar bought in the month (the peso argentino drifts)."""
    if currency not in START_RATES:
        return 1.0
    start, drift_bps = START_RATES[currency]
    months = (on_date.year - FIRST_RATE_DATE.year) * 12 + on_date.month - FIRST_RATE_DATE.month
    return 1 / (float(start) * (1 + drift_bps / 10_000) ** min(MONTHS - 1, max(0, months)))


def _amount(rng: random.Random, seller: _Seller, lines: list[tuple[int, int]], on_date: date,
            products: dict[int, _Product]) -> int:
    """The deal's value in the partner's currency: its product lines at list price less a discount, or a
    log-normal subscription deal sized by partner type (an LVAR's deals are larger than an MSP's)."""
    if lines:
        usd = sum(products[product_id].usd * quantity for product_id, quantity in lines) * rng.uniform(0.7, 1.0)
    else:
        usd = MEDIAN_USD.get(seller.type, 25_000) * math.exp(rng.gauss(0, 0.9))
    usd = min(max(usd, 500.0), 3_000_000.0)
    return _round_money(usd * _local_per_usd(seller.currency, on_date), seller.currency)


def _round_money(amount: float, currency: str, *, minor: bool = False) -> int:
    """Three significant digits of the major unit (R$ 128.000,00, CLP 9.870.000), in integer minor units."""
    scale = 10 ** minor_units(currency)
    major = amount / scale if minor else amount
    step = 10 ** max(0, math.floor(math.log10(max(major, 1.0))) - 2)
    return max(1, round(major / step)) * step * scale


def _new_customer(rng: random.Random, country_code: str) -> _Customer:
    """A customer the partner names that is no account yet (a prospect's first deal)."""
    country = words.COUNTRIES[country_code]
    language = country.language
    pattern, _industry = rng.choice(words.ACCOUNT_PATTERNS[language])
    distinct = f"{rng.choice(words.DISTINCTIVE[language])} {rng.choice(words.LAST_NAMES[language])}"
    name = f"{pattern.format(d=distinct)} {_weighted(rng, country.legal_forms)}"
    return _Customer(None, name, None, country_code, None)


def _variant(rng: random.Random, name: str, country_code: str) -> str:
    """The same customer as another partner types it: accents dropped, legal form changed, or a typo;
    always one the matcher still recognises (at or above its threshold)."""
    makers = [_without_accents, _other_legal_form, _typo]
    rng.shuffle(makers)
    for make in makers:
        variant = make(rng, name, country_code)
        if variant and variant != name and score_names(variant, name) >= SHIPPED_THRESHOLD:
            return variant
    return strip_accents(name).upper()


def _without_accents(rng: random.Random, name: str, _country: str) -> str:
    plain = strip_accents(name)
    return plain.upper() if rng.random() < 0.4 else plain


def _other_legal_form(rng: random.Random, name: str, country_code: str) -> str:
    forms = sorted((form for form, _ in words.COUNTRIES[country_code].legal_forms), key=len, reverse=True)
    current = next((form for form in forms if name.endswith(f" {form}")), None)
    if current is None:
        return f"{name} {rng.choice(forms)}"
    base = name[: -len(current)].rstrip()
    others = [form for form in forms if form != current]
    return f"{base} {rng.choice(others)}" if others and rng.random() < 0.6 else base


def _typo(rng: random.Random, name: str, _country: str) -> str:
    tokens = name.split(" ")
    long_words = [i for i, token in enumerate(tokens) if len(token) >= 5 and token.isalpha()]
    if not long_words:
        return ""
    index = rng.choice(long_words)
    word = tokens[index]
    at = rng.randrange(1, len(word) - 2)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2:]  # two letters swapped
    elif kind == 1:
        word = word[:at] + word[at + 1:]  # a letter dropped
    else:
        word = word[:at] + word[at] + word[at:]  # a letter doubled
    tokens[index] = word
    return " ".join(tokens)
