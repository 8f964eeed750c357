"""Reads the pipeline pages need besides the opportunities themselves: names for the rows, and the
options of the filters and forms. Every query goes through `visible()`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.errors import NotFound
from channelbase.core.money import Money
from channelbase.deals import products
from channelbase.deals.models import Opportunity, Stage, StageChange
from channelbase.deals.opportunities import days_in_stages
from channelbase.deals.schemas import ProductFilter
from channelbase.deals.stages import list_stages
from channelbase.partners import accounts
from channelbase.partners.models import Account, Partner, PartnerLink, PartnerType
from channelbase.partners.schemas import AccountFilter

PICKER_LIMIT = 200
_DISTRIBUTOR = aliased(Partner, name="distributor")


@dataclass(frozen=True)
class OpportunityNames:
    """What an opportunity's row shows instead of ids. Whoever sees the deal sees these names, even
    when the partner or account row itself is not theirs (a distributor's user on a reseller's deal)."""

    partner: str
    account: str
    distributor: str | None
    owner: str | None


@dataclass(frozen=True)
class Stay:
    """One stay of a deal in a stage: the move that started it, the stage and the days spent there."""

    change: StageChange
    stage: Stage | None
    days: float

    @property
    def amount(self) -> Money:
        """The deal's amount when it entered the stage."""
        return Money.from_minor(self.change.amount_minor, self.change.currency)


def names_of(session: Session, actor: User, opportunity_ids: Iterable[int]) -> dict[int, OpportunityNames]:
    """Partner, account, distributor and owner names of the visible opportunities among the ids."""
    ids = set(opportunity_ids)
    if not ids:
        return {}
    stmt = (visible(select(Opportunity.id, Partner.name, Account.name, _DISTRIBUTOR.name, User.name)
                    .select_from(Opportunity), actor, Opportunity)
            .join(Partner, Partner.id == Opportunity.partner_id)
            .join(Account, Account.id == Opportunity.account_id)
            .outerjoin(_DISTRIBUTOR, _DISTRIBUTOR.id == Opportunity.distributor_id)
            .outerjoin(User, User.id == Opportunity.owner_id)
            .where(Opportunity.id.in_(ids)))
    return {row[0]: OpportunityNames(*row[1:]) for row in session.execute(stmt)}


def stages_by_id(session: Session) -> dict[int, Stage]:
    """Every stage, retired ones included (old deals and history still name them)."""
    return {stage.id: stage for stage in list_stages(session, include_inactive=True)}


def stays_of(session: Session, history: list[StageChange], now: datetime | None = None) -> list[Stay]:
    """The stage history with the days spent in each stage (the last stay runs until now)."""
    stages = stages_by_id(session)
    return [Stay(change, stages.get(stage_id), days)
            for change, (stage_id, days) in zip(history, days_in_stages(history, now), strict=True)]


def distributor_options(session: Session, actor: User) -> dict[int, list[tuple[int, str]]]:
    """Reseller id -> the live distributors linked to it, over the links the actor may see."""
    stmt = (visible(select(PartnerLink.reseller_id, Partner.id, Partner.name), actor, PartnerLink)
            .join(Partner, Partner.id == PartnerLink.distributor_id)
            .where(Partner.deleted_at.is_(None), Partner.type == PartnerType.DISTRIBUTOR)
            .order_by(Partner.name, Partner.id))
    options: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for reseller_id, distributor_id, name in session.execute(stmt):
        options[reseller_id].append((distributor_id, name))
    return dict(options)


def account_options(session: Session, actor: User, q: str = "", keep: int | None = None
                    ) -> tuple[list[tuple[int, str]], bool]:
    """Visible live accounts matching `q` for a select, and whether there were more than fit.

    `keep`: an account id to offer even when the search leaves it out (the one already chosen)."""
    page = accounts.list_accounts(session, actor, AccountFilter(q=q[:200]), per_page=PICKER_LIMIT)
    options = [(a.id, a.name) for a in page.items]
    if keep is not None and all(account_id != keep for account_id, _ in options):
        try:
            chosen = accounts.get_account(session, actor, keep)
        except NotFound:
            pass
        else:
            options.insert(0, (chosen.id, chosen.name))
    return options, page.total > PICKER_LIMIT


def product_options(session: Session, actor: User) -> list[tuple[int, str]]:
    """Active products the actor may put on a deal, by name."""
    page = products.list_products(session, actor, ProductFilter(active=True), per_page=PICKER_LIMIT)
    return [(p.id, f"{p.name} ({p.sku})") for p in page.items]
