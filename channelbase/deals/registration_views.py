"""Reads the deal-registration pages need beyond the registration services: option lists and names.

Every query goes through `visible()`, so a page shows only what its actor may read. A partner user
sees the names of the partners on registrations they can see (a distributor's users see their
resellers' names), but never other partners' records through these helpers.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import condition, visible
from channelbase.deals import products
from channelbase.deals.conflicts import DealConflict, visible_link
from channelbase.deals.models import Registration, StageOutcome
from channelbase.deals.registrations import REGISTERING_STATUSES
from channelbase.deals.schemas import ProductFilter
from channelbase.deals.stages import list_stages
from channelbase.partners import accounts
from channelbase.partners.models import Account, Partner, PartnerLink, PartnerType
from channelbase.partners.schemas import AccountFilter

PICKER_LIMIT = 200
Options = list[tuple[int | str, str]]


def distributor_options(session: Session, actor: User, partner_id: int | None) -> Options:
    """Live distributors linked to the partner, as far as the actor may see the link.

    Read through the link (not the distributor row): a reseller's users may pick their distributor
    though they may not open the distributor's partner page.
    """
    if partner_id is None or (actor.is_partner and partner_id != actor.partner_id):
        return []
    stmt = (visible(select(Partner.id, Partner.name), actor, PartnerLink)
            .select_from(PartnerLink).join(Partner, Partner.id == PartnerLink.distributor_id)
            .where(PartnerLink.reseller_id == partner_id, Partner.deleted_at.is_(None),
                   Partner.type == PartnerType.DISTRIBUTOR)
            .order_by(Partner.name))
    return [(row.id, row.name) for row in session.execute(stmt)]


def registering_partner_options(session: Session, actor: User) -> tuple[Options, bool]:
    """Live partners that may register deals (active or onboarding) for a staff select; and if truncated."""
    stmt = (visible(select(Partner.id, Partner.name), actor, Partner)
            .where(Partner.deleted_at.is_(None), Partner.status.in_(list(REGISTERING_STATUSES)))
            .order_by(Partner.name_key, Partner.id).limit(PICKER_LIMIT + 1))
    rows = [(row.id, row.name) for row in session.execute(stmt)]
    return rows[:PICKER_LIMIT], len(rows) > PICKER_LIMIT


def account_options(session: Session, actor: User, q: str = "") -> tuple[Options, bool]:
    """The actor's visible live accounts (optionally searched) for a select; and whether truncated."""
    page = accounts.list_accounts(session, actor, AccountFilter(q=q.strip()[:200]), per_page=PICKER_LIMIT)
    return [(a.id, f"{a.name} ({a.country})") for a in page.items], page.total > PICKER_LIMIT


def account_label(session: Session, actor: User, account_id: int | None) -> str | None:
    """'Name (CC)' of an account the actor may see, e.g. to keep a searched choice selected."""
    if account_id is None:
        return None
    row = session.execute(visible(select(Account.name, Account.country), actor, Account)
                          .where(Account.id == account_id, Account.deleted_at.is_(None))).first()
    return f"{row.name} ({row.country})" if row else None


def product_options(session: Session, actor: User) -> Options:
    """Active products for the product lines of a registration."""
    page = products.list_products(session, actor, ProductFilter(active=True), sort="name", per_page=PICKER_LIMIT)
    return [(p.id, f"{p.name} ({p.sku})") for p in page.items]


def names_of(session: Session, actor: User, registrations: Iterable[Registration]) -> dict[int, str]:
    """Names of the partners and distributors on registrations the actor may see."""
    regs = list(registrations)
    ids = {r.id for r in regs}
    if not ids:
        return {}
    names: dict[int, str] = {}
    for column in (Registration.partner_id, Registration.distributor_id):
        stmt = (visible(select(Partner.id, Partner.name), actor, Registration).select_from(Registration)
                .join(Partner, Partner.id == column).where(Registration.id.in_(ids)))
        names.update((row.id, row.name) for row in session.execute(stmt))
    return names


def can_see_account(session: Session, actor: User, account_id: int | None) -> bool:
    if account_id is None:
        return False
    return session.scalar(select(Account.id).where(Account.id == account_id, condition(Account, actor))) is not None


def conflict_rows(session: Session, actor: User, conflicts: list[DealConflict]) -> list[tuple[DealConflict, str | None]]:
    """Each conflict with its page's link, if the actor may open it."""
    return [(c, visible_link(session, actor, c)) for c in conflicts]


def account_conflict_options(rows: list[tuple[DealConflict, str | None]]) -> Options:
    """Accounts among the conflicts that the actor may link an approved registration to."""
    return [(c.id, f"{c.name} — {c.partner_name or 'direct'} ({c.score:g}, {c.reason})")
            for c, link in rows if c.kind == "account" and link]


def open_stage_options(session: Session) -> Options:
    return [(s.key, s.name) for s in list_stages(session) if s.outcome == StageOutcome.OPEN]

