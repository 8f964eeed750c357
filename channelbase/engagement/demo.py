"""Deterministic engagement history for the demo: cadence rules, two years of activities, and tasks.

Like the deal pipeline (`deals/demo_pipeline.py`), rows are built in Python and inserted in chunks with
Core executemany, bypassing the services (2,000,000 `log_activity` calls would take hours); the cadence
rules, a handful, do go through `cadence.create_rule`. What makes it look like a real channel:

- Touches per partner follow its weight: priority partners, distributors and higher tiers get many more;
  active partners the most, onboarding ones less, inactive ones stopped months ago, prospects few.
- Each active or onboarding partner's latest qualifying touch (a call or a meeting) lies within its
  cadence interval for most, and past it for some (more often for non-priority partners), so every
  manager's My day has an overdue list but most of the portfolio is covered.
- Calls and e-mails are most common; priority partners have a QBR every quarter; some partners have a
  meeting, QBR, training or event planned in the coming two weeks, owned by the partner's owner.
- Summaries, outcomes and next steps are in the partner's language (pt, es or en, some English in Latin
  America and some Spanish in the US); some touches name contacts, an opportunity or a registration of
  the partner that existed then.
- Tasks are assigned to partner owners: about half are an activity's next step, the rest stand alone;
  most are done, 10-15 % are open (some overdue, some due this week, the rest later).

Every partner's rows come from a generator seeded with the seed and the partner's number, and all its
draws are made whatever the clock, so the same seed gives the same rows at any time of day.
"""

from __future__ import annotations

import bisect
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.core.names import company_key
from channelbase.demo import names_data as words
from channelbase.demo.world import PARTNERS as WORLD_PARTNERS, STAFF
from channelbase.engagement import cadence
from channelbase.engagement.models import Activity, CadenceRule, Task, activity_contacts
from channelbase.engagement.schemas import CadenceRuleIn
from channelbase.deals.models import Opportunity, Registration
from channelbase.partners.models import Contact, Partner

CHUNK = 5_000
HISTORY = timedelta(days=730)
AHEAD_DAYS = 14  # planned meetings and events lie within the coming two weeks
ALL_BUT_NOTES = ["call", "meeting", "email", "qbr", "training", "event"]
DEMO_RULES = (
    CadenceRuleIn(name="Priority distributors: every 14 days", every_days=14, counted_types=["call", "meeting"],
                  partner_type="distributor", is_priority=True),
    CadenceRuleIn(name="Priority partners: every 21 days", every_days=21, counted_types=["call", "meeting", "qbr"],
                  is_priority=True),
    CadenceRuleIn(name="Platinum partners: every 30 days", every_days=30, counted_types=ALL_BUT_NOTES,
                  tier="platinum"),
    CadenceRuleIn(name="Gold partners: every 30 days", every_days=30, counted_types=ALL_BUT_NOTES, tier="gold"),
    CadenceRuleIn(name="Everyone active: every 90 days", every_days=90, counted_types=ALL_BUT_NOTES),
)
TYPE_WEIGHT = {"distributor": 2.0, "lvar": 1.5, "si": 1.2, "dmr": 1.0, "var": 1.0, "msp": 0.9, "public_sector": 1.0}
TIER_WEIGHT = {"platinum": 3.0, "gold": 2.0, "silver": 1.3, "registered": 1.0}
STATUS_WEIGHT = {"active": 1.0, "onboarding": 0.7, "inactive": 0.25, "prospect": 0.1}
PRIORITY_WEIGHT = 2.5
TOUCH_TYPES = (("call", 34), ("email", 34), ("meeting", 14), ("note", 8), ("training", 4), ("event", 3), ("qbr", 1))
SCHEDULED = ("meeting", "qbr", "training", "event")  # start on the hour or the half hour
PLANNED_TYPES = (("meeting", 50), ("qbr", 15), ("training", 15), ("event", 20))
OVERDUE_SHARE = {True: 0.15, False: 0.25}  # of priority / other partners, past their cadence interval
PLANNED_SHARE = {"priority": 0.35, "high_tier": 0.15, "other": 0.05}
OUTCOME_SHARE, NEXT_STEP_SHARE, CONTACT_SHARE, OPPORTUNITY_SHARE, REGISTRATION_SHARE = 0.35, 0.2, 0.3, 0.12, 0.04
LINKED_TASK_SHARE = 0.5  # of the tasks: an activity's next step; the rest stand alone
# Stand-alone tasks: done (due in the past two years), overdue, due this week, due later.
TASK_STATES = (("done", 84), ("overdue", 5), ("week", 5), ("later", 6))
OVERDUE_PERSONA = "abertas"  # the priority partner the demo story finds overdue on lucia's My day

SUMMARIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "call": ("Follow-up call", "Pipeline check-in call", "Call about the renewals due this quarter",
                 "Quick call on the open registrations", "Call to review the MDF claims",
                 "Introductory call with the new sales lead"),
        "email": ("Sent the updated price list", "Shared the partner program changes",
                  "E-mail about the registration about to expire", "Sent the certification schedule",
                  "Recap of this quarter's targets", "Sent the co-marketing kit"),
        "meeting": ("Account planning meeting", "Joint pipeline review", "Meeting with the partner's sales team",
                    "Co-selling meeting for an enterprise deal", "Technical workshop planning"),
        "qbr": ("Quarterly business review", "QBR: targets, pipeline and enablement"),
        "training": ("Sales enablement session", "Technical training: Kubernetes platform",
                     "Certification prep workshop"),
        "event": ("Partner roadshow", "Customer event co-hosted with the partner", "Webinar for end customers"),
        "note": ("Partner changed its sales director", "Notes from the partner's annual kickoff",
                 "Partner is hiring two presales engineers", "Partner asked about the platinum requirements"),
    },
    "es": {
        "call": ("Llamada de seguimiento", "Llamada de revisión del pipeline", "Llamada sobre las renovaciones del trimestre",
                 "Llamada rápida sobre los registros abiertos", "Llamada para revisar los fondos MDF",
                 "Llamada de presentación con el nuevo gerente comercial"),
        "email": ("Envío de la lista de precios actualizada", "Cambios en el programa de partners",
                  "Correo sobre el registro por vencer", "Envío del calendario de certificaciones",
                  "Resumen de los objetivos del trimestre", "Envío del kit de co-marketing"),
        "meeting": ("Reunión de planificación de cuentas", "Revisión conjunta del pipeline",
                    "Reunión con el equipo comercial del partner", "Reunión de co-venta para un cliente corporativo",
                    "Planificación del taller técnico"),
        "qbr": ("Revisión trimestral del pipeline", "Revisión trimestral de negocio"),
        "training": ("Capacitación comercial", "Capacitación técnica: plataforma Kubernetes",
                     "Taller de preparación para la certificación"),
        "event": ("Roadshow de partners", "Evento con clientes finales", "Webinar para clientes"),
        "note": ("El partner cambió de director comercial", "Notas del kickoff anual del partner",
                 "El partner contrata dos preventas", "El partner preguntó por los requisitos de platino"),
    },
    "pt": {
        "call": ("Ligação de acompanhamento", "Ligação de revisão do pipeline", "Ligação sobre as renovações do trimestre",
                 "Ligação rápida sobre os registros em aberto", "Ligação para revisar as verbas de MDF",
                 "Ligação de apresentação com o novo gerente comercial"),
        "email": ("Envio da tabela de preços atualizada", "Mudanças no programa de parceiros",
                  "E-mail sobre o registro a vencer", "Envio do calendário de certificações",
                  "Resumo das metas do trimestre", "Envio do kit de co-marketing"),
        "meeting": ("Reunião de planejamento de contas", "Revisão conjunta do pipeline",
                    "Reunião com o time comercial do parceiro", "Reunião de co-venda para um cliente corporativo",
                    "Planejamento do workshop técnico"),
        "qbr": ("Revisão trimestral de negócios", "Revisão trimestral do pipeline"),
        "training": ("Treinamento comercial", "Treinamento técnico: plataforma Kubernetes",
                     "Workshop de preparação para a certificação"),
        "event": ("Roadshow de parceiros", "Evento com clientes finais", "Webinar para clientes"),
        "note": ("O parceiro trocou o diretor comercial", "Notas do kickoff anual do parceiro",
                 "O parceiro está contratando dois pré-vendas", "O parceiro perguntou pelos requisitos platinum"),
    },
}
OUTCOMES = {
    "en": ("Agreed on next quarter's targets.", "Two new opportunities identified.", "Partner will register the deal.",
           "Waiting for the customer's budget approval.", "Partner asked for presales support."),
    "es": ("Acordamos los objetivos del próximo trimestre.", "Identificamos dos nuevas oportunidades.",
           "El partner registrará el negocio.", "Esperando la aprobación del presupuesto del cliente.",
           "El partner pidió apoyo de preventa."),
    "pt": ("Metas do próximo trimestre acordadas.", "Duas novas oportunidades identificadas.",
           "O parceiro vai registrar o negócio.", "Aguardando a aprovação do orçamento do cliente.",
           "O parceiro pediu apoio de pré-venda."),
}
NEXT_STEPS = {
    "en": ("Send the proposal", "Schedule the QBR", "Register the deal", "Book the technical workshop",
           "Send the MDF claim form", "Introduce the partner to the account team"),
    "es": ("Enviar la propuesta", "Agendar la QBR", "Registrar el negocio", "Agendar el taller técnico",
           "Enviar el formulario de MDF", "Presentar el partner al equipo de la cuenta"),
    "pt": ("Enviar a proposta", "Agendar a QBR", "Registrar o negócio", "Agendar o workshop técnico",
           "Enviar o formulário de MDF", "Apresentar o parceiro ao time da conta"),
}
TASK_TITLES = {
    "en": ("Renew the presales certification", "Prepare the QBR deck", "Chase the signed partner agreement",
           "Review the open registrations", "Update the joint business plan", "Confirm the roadshow attendees",
           "Check the renewals due next quarter", "Approve the MDF claim"),
    "es": ("Renovar la certificación de preventa", "Preparar la presentación de la QBR",
           "Conseguir el contrato de partner firmado", "Revisar los registros abiertos",
           "Actualizar el plan de negocio conjunto", "Confirmar los asistentes al roadshow",
           "Revisar las renovaciones del próximo trimestre", "Aprobar el reclamo de MDF"),
    "pt": ("Renovar a certificação de pré-venda", "Preparar a apresentação da QBR",
           "Cobrar o contrato de parceria assinado", "Revisar os registros em aberto",
           "Atualizar o plano de negócios conjunto", "Confirmar os participantes do roadshow",
           "Verificar as renovações do próximo trimestre", "Aprovar a solicitação de MDF"),
}
Advance = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class _Partner:
    id: int
    number: int  # its place in id order: seeds its generator
    type: str
    tier: str
    status: str
    is_priority: bool
    owner_id: int
    country: str
    created_at: datetime
    persona: str  # the world.py key of a named partner, else ""


@dataclass(slots=True)
class _Deals:
    """A partner's deals by creation time, to link a touch to one that existed then."""

    times: list[datetime]
    ids: list[int]


@dataclass(frozen=True, slots=True)
class _TaskDraws:
    due: date
    finish: float  # below the share of done tasks: done
    slack: float  # days between the due date and when it was done
    snoozes: int  # of an open task


@dataclass(frozen=True, slots=True)
class _Touch:
    at: datetime
    kind: str
    summary: str
    outcome: str
    next_step: str
    opportunity: int | None
    registration: int | None
    logged: datetime
    contacts: list[int]
    task: _TaskDraws | None  # its next step became a task


def _task_draws(rng: random.Random, due: date) -> _TaskDraws:
    return _TaskDraws(due, rng.random(), rng.uniform(-3, 4), rng.choice((0, 0, 0, 0, 1, 1, 2)))


def load_engagement(session: Session, *, activities: int, tasks: int, seed: int, now: datetime,
                    advance: Advance) -> dict[str, int]:
    """Add the demo cadence rules, then activities and tasks up to the totals given (rows already there count)."""
    added = {"cadence_rules": _rules(session)}
    existing = [session.scalar(select(func.count()).select_from(m)) or 0 for m in (Activity, Task)]
    loader = _EngagementLoader(session, seed, now, advance)
    added.update(loader.load(max(0, activities - existing[0]), max(0, tasks - existing[1])))
    return added


def _rules(session: Session) -> int:
    admin = session.scalar(select(User).where(User.email == STAFF[0][1]))
    if admin is None:
        return 0
    have = set(session.scalars(select(CadenceRule.name)))
    wanted = [rule for rule in DEMO_RULES if rule.name not in have]
    for rule in wanted:
        cadence.create_rule(session, admin, rule)
    session.flush()
    return len(wanted)


def _interval(partner: _Partner) -> int:
    """The interval of the demo rule the partner follows (the most specific, then the shortest, as
    `cadence.RuleBook` picks it)."""
    matching = [r for r in DEMO_RULES if (r.partner_type in (None, partner.type) and r.tier in (None, partner.tier)
                                          and r.is_priority in (None, partner.is_priority))]
    best = min(matching, key=lambda r: (-sum(x is not None for x in (r.partner_type, r.tier, r.is_priority)),
                                        r.every_days))
    return best.every_days


class _Writer:
    """Buffers rows per table and inserts CHUNK at a time, activities before the rows that point at them."""

    PARENTS = {"activity_contacts": "activities", "tasks": "activities"}

    def __init__(self, session: Session, advance: Advance, totals: dict[str, int]):
        self.session, self.advance, self.totals = session, advance, totals
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.done: dict[str, int] = defaultdict(int)
        tables = (cast(Table, Activity.__table__), cast(Table, Task.__table__), activity_contacts)
        self.tables = {table.name: table for table in tables}

    def add(self, table: str, row: dict) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= CHUNK:
            self.flush(table)

    def flush(self, table: str) -> None:
        if parent := self.PARENTS.get(table):
            self.flush(parent)
        rows = self.buffers.pop(table, [])
        if rows:
            self.session.execute(insert(self.tables[table]), rows)
            self.done[table] += len(rows)
            if table in self.totals:
                self.advance(table, self.done[table], self.totals[table])

    def close(self) -> dict[str, int]:
        for table in ("activities", "activity_contacts", "tasks"):
            self.flush(table)
        return dict(self.done)


class _EngagementLoader:
    def __init__(self, session: Session, seed: int, now: datetime, advance: Advance):
        self.session, self.seed, self.now, self.advance = session, seed, now, advance
        self.today = now.date()
        self.partners = _partners(session)
        self.contacts: dict[int, list[int]] = defaultdict(list)
        for contact_id, partner_id in session.execute(select(Contact.id, Contact.partner_id).order_by(Contact.id)):
            self.contacts[partner_id].append(contact_id)
        self.opportunities = _deals(session, Opportunity.id, Opportunity.partner_id, Opportunity.created_at)
        self.registrations = _deals(session, Registration.id, Registration.partner_id, Registration.submitted_at)

    def rng(self, table: str) -> random.Random:
        return random.Random(f"channelbase-demo:{self.seed}:{table}")

    def load(self, activities: int, tasks: int) -> dict[str, int]:
        if not self.partners:
            return {}
        self.next_id = (self.session.scalar(select(func.max(Activity.id))) or 0) + 1
        self.tasks_left = tasks
        # Of the touches with a next step (calls, meetings, QBRs and e-mails: about 85 % of them), this share
        # became a task, so that about LINKED_TASK_SHARE of the tasks are next steps.
        self.linked_chance = LINKED_TASK_SHARE * tasks / max(1, activities) / (NEXT_STEP_SHARE * 0.85)
        writer = _Writer(self.session, self.advance, {"activities": activities, "tasks": tasks})
        self.advance("activities", 0, activities)
        self.advance("tasks", 0, tasks)
        base = self.rng("activities").getrandbits(64)
        row = random.Random()
        for partner, count in zip(self.partners, _allocate(self._weights(), activities), strict=True):
            row.seed(base + partner.number)
            self._partner(row, writer, partner, count)
        self._standalone_tasks(writer, self.tasks_left)
        added = writer.close()
        self._move_sequence()
        return added

    def _weights(self) -> list[float]:
        jitter = self.rng("activity_weights")
        return [TYPE_WEIGHT.get(p.type, 1.0) * TIER_WEIGHT.get(p.tier, 1.0) * STATUS_WEIGHT.get(p.status, 0.1)
                * (PRIORITY_WEIGHT if p.is_priority else 1.0) * jitter.uniform(0.5, 1.5) for p in self.partners]

    def _move_sequence(self) -> None:
        """Explicit ids leave PostgreSQL's sequence behind: the next activity the app logs would collide."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SELECT setval(pg_get_serial_sequence('activities', 'id'), "
                                      "(SELECT coalesce(max(id), 1) FROM activities))"))

    # One partner's history ---------------------------------------------------------------------------

    def _partner(self, rng: random.Random, writer: _Writer, partner: _Partner, count: int) -> None:
        """Its `count` touches: the past ones up to its latest qualifying touch, quarterly reviews, planned ones.

        Every random draw is made in the same order whatever the clock; the rows are then written in time order."""
        language = _language(rng, partner.country)
        start, last, span_days = self._window(rng, partner)
        planned = min(self._planned_count(rng, partner), max(0, count - 1))
        qbr_phase = rng.uniform(7, 60)  # days between the latest quarterly review and the latest touch
        qbrs = 0
        if partner.is_priority and partner.status == "active" and span_days > qbr_phase:
            qbrs = min(8, (count - planned - 1) // 2, int((span_days - qbr_phase) // 91) + 1)
        rest = count - planned - qbrs
        touches: list[tuple[datetime, str]] = []
        if rest > 0:
            touches.append((last, rng.choice(("call", "call", "meeting"))))
            span = max(0.0, (last - start).total_seconds() / 86400 - 1)
            touches += [(_workday(rng, start + timedelta(days=rng.random() * span)), _weighted(rng, TOUCH_TYPES))
                        for _ in range(rest - 1)]
        touches += [(_workday(rng, last - timedelta(days=qbr_phase + 91 * k)), "qbr") for k in range(qbrs)]
        touches += [(self.now + timedelta(days=rng.uniform(0.1, AHEAD_DAYS)), _weighted(rng, PLANNED_TYPES))
                    for _ in range(planned)]
        drawn = [self._draw(rng, partner, language, _on_the_hour(at) if kind in SCHEDULED else at, kind)
                 for at, kind in touches]
        for touch in sorted(drawn, key=lambda t: t.at):
            self._write(writer, partner, touch)

    def _window(self, rng: random.Random, partner: _Partner) -> tuple[datetime, datetime, float]:
        """The first day of its history, its latest touch (within or past its cadence interval), and the
        days between them before either moved off a weekend (so counts never depend on the weekday)."""
        start = self.now - HISTORY if partner.persona else max(self.now - HISTORY, partner.created_at)
        overdue, within, gone = rng.random(), rng.uniform(0.0, 0.95), rng.uniform(1.05, 2.5)  # always drawn
        if partner.status in ("active", "onboarding"):
            late = overdue < OVERDUE_SHARE[partner.is_priority]
            if partner.persona:
                late = partner.persona == OVERDUE_PERSONA
            gap = _interval(partner) * (gone if late else within)
        elif partner.status == "inactive":
            gap = 120 + 380 * within
        else:
            gap = 5 + 200 * within
        raw = self.now - timedelta(days=gap)
        last = min(_workday(rng, raw), self.now - timedelta(hours=1))
        span_days = max(0.0, (raw - start).total_seconds() / 86400)
        return min(start, last), max(last, start + timedelta(hours=1)), span_days

    def _planned_count(self, rng: random.Random, partner: _Partner) -> int:
        chance, extra = rng.random(), rng.random()
        if partner.status not in ("active", "onboarding"):
            return 0
        group = "priority" if partner.is_priority else "high_tier" if partner.tier in ("gold", "platinum") else "other"
        if chance >= PLANNED_SHARE[group]:
            return 0
        return 2 if group == "priority" and extra < 0.3 else 1

    def _draw(self, rng: random.Random, partner: _Partner, language: str, at: datetime, kind: str) -> _Touch:
        summary = rng.choice(SUMMARIES[language][kind])
        if kind == "qbr":
            summary = f"{summary} Q{(at.month - 1) // 3 + 1} {at.year}"
        past = at <= self.now
        has_outcome, has_next, linked, has_contacts = rng.random(), rng.random(), rng.random(), rng.random()
        outcome, next_step = rng.choice(OUTCOMES[language]), rng.choice(NEXT_STEPS[language])
        opportunity = _pick(rng, self.opportunities.get(partner.id), at, OPPORTUNITY_SHARE if kind != "note" else 0)
        registration = _pick(rng, self.registrations.get(partner.id), at,
                             REGISTRATION_SHARE if kind in ("call", "email") else 0)
        logged = at + timedelta(minutes=rng.uniform(5, 600)) if past else self.now - timedelta(days=rng.uniform(1, 20))
        contacts = self.contacts.get(partner.id, [])
        how_many = rng.choice((1, 1, 1, 2))
        named = rng.sample(contacts, min(len(contacts), how_many)) if contacts and kind in (
            "call", "meeting", "qbr", "training") and has_contacts < CONTACT_SHARE else []
        has_next_step = kind in ("call", "meeting", "qbr", "email") and has_next < NEXT_STEP_SHARE
        task = _task_draws(rng, at.date() + timedelta(days=rng.randint(2, 10)))
        return _Touch(at, kind, summary,
                      outcome if past and kind in ("call", "meeting", "qbr", "training") and has_outcome < OUTCOME_SHARE
                      else "", next_step if has_next_step else "", opportunity, registration, min(logged, self.now),
                      named, task if has_next_step and past and linked < self.linked_chance else None)

    def _write(self, writer: _Writer, partner: _Partner, touch: _Touch) -> None:
        activity_id, self.next_id = self.next_id, self.next_id + 1
        writer.add("activities", {
            "id": activity_id, "partner_id": partner.id, "type": touch.kind, "occurred_at": touch.at,
            "summary": touch.summary, "outcome": touch.outcome, "next_step": touch.next_step,
            "owner_id": partner.owner_id, "opportunity_id": touch.opportunity, "registration_id": touch.registration,
            "created_at": touch.logged, "updated_at": touch.logged, "version": 1})
        for contact_id in touch.contacts:
            writer.add("activity_contacts", {"activity_id": activity_id, "contact_id": contact_id})
        if touch.task is not None and self.tasks_left > 0:
            self._task(writer, partner, touch.next_step, touch.task, touch.logged, activity_id, touch.opportunity,
                       touch.registration)

    # Tasks -------------------------------------------------------------------------------------------

    def _task(self, writer: _Writer, partner: _Partner, title: str, draws: _TaskDraws, created: datetime,
              activity_id: int | None, opportunity: int | None, registration: int | None,
              state: str | None = None) -> None:
        """A task due on its day; done (shortly before or after it) unless open. A next step (no state
        given) is done the more likely the longer ago it was due."""
        due = draws.due
        if state is None:
            done_share = 0.96 if due < self.today - timedelta(days=14) else 0.5 if due < self.today else 0.08
            state = "done" if draws.finish < done_share else "open"
        done_at = None
        if state == "done":
            done_at = min(self.now - timedelta(minutes=30),
                          max(created + timedelta(hours=1),
                              datetime.combine(due, created.timetz()) + timedelta(days=draws.slack)))
        writer.add("tasks", {
            "title": title, "notes": "", "due_on": due, "assignee_id": partner.owner_id, "partner_id": partner.id,
            "opportunity_id": opportunity, "registration_id": registration, "activity_id": activity_id,
            "created_by_id": partner.owner_id, "done_at": done_at, "snoozes": 0 if done_at else draws.snoozes,
            "created_at": created, "updated_at": done_at or created, "version": 2 if done_at else 1})
        self.tasks_left -= 1

    def _standalone_tasks(self, writer: _Writer, count: int) -> None:
        """Tasks of their own (a certification to renew, a QBR deck), spread over the partners that sell."""
        rng, row = self.rng("tasks"), random.Random()
        base = rng.getrandbits(64)
        partners = [p for p in self.partners if p.status in ("active", "onboarding")] or self.partners
        weights = [TIER_WEIGHT.get(p.tier, 1.0) * (PRIORITY_WEIGHT if p.is_priority else 1.0) for p in partners]
        for number, partner in enumerate(rng.choices(partners, weights, k=count)):
            row.seed(base + number)
            state = _weighted(row, TASK_STATES)
            offset = {"done": -row.uniform(1, HISTORY.days), "overdue": -row.uniform(1, 30),
                      "week": row.uniform(0, 6.9), "later": row.uniform(7, 60)}[state]
            draws = _task_draws(row, self.today + timedelta(days=int(offset)))
            created = min(self.now - timedelta(minutes=10),
                          datetime.combine(draws.due, self.now.timetz()) - timedelta(days=row.uniform(3, 30)))
            title = row.choice(TASK_TITLES[_language(row, partner.country)])
            opportunity = _pick(row, self.opportunities.get(partner.id), created, 0.2)
            self._task(writer, partner, title, draws, created, None, opportunity, None,
                       "done" if state == "done" else "open")


# Reading the database --------------------------------------------------------------------------------

def _partners(session: Session) -> list[_Partner]:
    admin_id = session.scalar(select(User.id).where(User.email == STAFF[0][1]))
    personas = {company_key(fields["name"]): key for key, _territory, fields in WORLD_PARTNERS}
    rows = session.execute(select(Partner.id, Partner.type, Partner.tier, Partner.status, Partner.is_priority,
                                  Partner.owner_id, Partner.country, Partner.created_at, Partner.name_key)
                           .where(Partner.deleted_at.is_(None)).order_by(Partner.id)).all()
    partners = []
    for number, r in enumerate(rows):  # numbered before any is skipped: the numbers seed their rows
        owner = r.owner_id or admin_id  # tasks need an assignee: the admin follows partners nobody owns
        if owner is not None:
            partners.append(_Partner(r.id, number, r.type, r.tier, r.status, r.is_priority, owner, r.country,
                                     r.created_at, personas.get(r.name_key, "")))
    return partners


def _deals(session: Session, id_column, partner_column, time_column) -> dict[int, _Deals]:
    found: dict[int, _Deals] = {}
    for deal_id, partner_id, at in session.execute(select(id_column, partner_column, time_column)
                                                   .order_by(time_column, id_column)):
        deals = found.setdefault(partner_id, _Deals([], []))
        deals.times.append(at)
        deals.ids.append(deal_id)
    return found


# Values ----------------------------------------------------------------------------------------------

def _allocate(weights: list[float], total: int) -> list[int]:
    """`total` split in proportion to the weights, exactly (largest remainders get the odd ones)."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _language(rng: random.Random, country: str) -> str:
    """The partner's language, with the English of a regional team now and then (Spanish in the US)."""
    native = words.COUNTRIES[country].language if country in words.COUNTRIES else "en"
    switch = rng.random() < 0.1
    if native == "en":
        return "es" if switch and country == "US" else "en"
    return "en" if switch else native


def _workday(rng: random.Random, at: datetime) -> datetime:
    """The same day, or the Friday before a weekend, at a business hour in the Americas (12-22 h UTC)."""
    minutes = rng.randrange(12 * 60, 22 * 60)
    day = at.date() - timedelta(days=max(0, at.weekday() - 4))
    return datetime.combine(day, at.timetz()).replace(hour=minutes // 60, minute=minutes % 60, second=0,
                                                      microsecond=0)


def _on_the_hour(at: datetime) -> datetime:
    """Meetings, reviews, trainings and events start on the hour or the half hour."""
    return at.replace(minute=0 if at.minute < 30 else 30, second=0, microsecond=0)


def _pick(rng: random.Random, deals: _Deals | None, at: datetime, share: float) -> int | None:
    """With probability `share`, one of the partner's latest few deals created before `at` (None if it had
    none yet). Both draws are made every time."""
    wanted, which = rng.random() < share, rng.random()
    if deals is None or not wanted:
        return None
    before = bisect.bisect_right(deals.times, at)
    return deals.ids[before - 1 - int(which * min(before, 5))] if before else None
