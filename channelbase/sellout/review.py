"""The review queue: a file's unmatched lines grouped by their text, resolved once per text.

Picking the partner, account or product of a group sets it on every line of the file with that text (the same
company-name key, or the same SKU), and is kept as an alias of the distributor, so its next files match the text
at once. A customer may also be marked "not an account we track". Review is the vendor's work: channel staff
only, and only targets the reviewer may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.deals.models import Product
from channelbase.matching.service import account_index, cached_index
from channelbase.partners.models import Account, Partner, PartnerLink
from channelbase.sellout.access import require_staff
from channelbase.sellout.matching import NOT_TRACKED, PARTNERS
from channelbase.sellout.models import FileStatus, Kind, LineState, SelloutAlias, SelloutFile, SelloutLine
from channelbase.sellout.service import get_file

SUGGESTION_MIN_SCORE = 40.0
SUGGESTIONS = 6
REVIEWED = "review"
_COLUMNS = {  # kind -> (key, text, target, reason) columns of a line
    Kind.RESELLER: (SelloutLine.reseller_key, SelloutLine.reseller_text, SelloutLine.reseller_partner_id,
                    SelloutLine.reseller_reason),
    Kind.CUSTOMER: (SelloutLine.customer_key, SelloutLine.customer_text, SelloutLine.account_id,
                    SelloutLine.customer_reason),
    Kind.PRODUCT: (SelloutLine.product_key, SelloutLine.sku, SelloutLine.product_id, SelloutLine.product_reason),
}
KIND_LABELS = {Kind.RESELLER: "Resellers", Kind.CUSTOMER: "End customers", Kind.PRODUCT: "Products"}


@dataclass(frozen=True)
class Group:
    kind: str
    key: str
    text: str  # one of the texts as written (the first alphabetically)
    lines: int
    quantity: int


@dataclass(frozen=True)
class Suggestion:
    id: int
    label: str
    note: str  # "linked reseller", "similar name 72", a SKU...


def _reviewable(session: Session, actor: User, file_id: int) -> SelloutFile:
    require_staff(actor, "review sell-out matches")
    file = get_file(session, actor, file_id)
    if file.status != FileStatus.IMPORTED:
        raise Conflict(f"{file.filename} is {file.status}: only an imported file's lines are reviewed.")
    return file


def review_groups(session: Session, actor: User, file_id: int, kind: str) -> list[Group]:
    """The file's unmatched texts of one kind, the most lines first."""
    file = _reviewable(session, actor, file_id)
    key, text, target, reason = _COLUMNS[_kind(kind)]
    stmt = (visible(select(key, func.min(text), func.count(), func.sum(SelloutLine.quantity)), actor, SelloutLine)
            .where(SelloutLine.file_id == file.id, SelloutLine.state == LineState.REVIEW, target.is_(None),
                   reason == "")
            .group_by(key).order_by(func.count().desc(), key))
    return [Group(kind, row[0], row[1], row[2], int(row[3] or 0)) for row in session.execute(stmt)]


def review_counts(session: Session, actor: User, file_id: int) -> dict[str, int]:
    """Distinct unmatched texts per kind."""
    file = _reviewable(session, actor, file_id)
    counts = {}
    for kind, (key, _text, target, reason) in _COLUMNS.items():
        stmt = visible(select(func.count(func.distinct(key))), actor, SelloutLine).where(
            SelloutLine.file_id == file.id, SelloutLine.state == LineState.REVIEW, target.is_(None), reason == "")
        counts[kind] = session.scalar(stmt) or 0
    return counts


def files_to_review(session: Session, actor: User, limit: int = 50) -> list[SelloutFile]:
    require_staff(actor, "review sell-out matches")
    stmt = visible(select(SelloutFile), actor).where(SelloutFile.status == FileStatus.IMPORTED,
                                                    SelloutFile.review_lines > 0)
    return list(session.scalars(stmt.order_by(SelloutFile.month.desc(), SelloutFile.id.desc()).limit(limit)))


def _kind(kind: str) -> str:
    if kind not in Kind.ALL:
        raise InvalidInput(f"'{kind}' is not a kind of match: use {', '.join(Kind.ALL)}.",
                           field_errors={"kind": "unknown"})
    return kind


# Suggestions ---------------------------------------------------------------------------------------------

def suggestions(session: Session, actor: User, file: SelloutFile, group: Group) -> list[Suggestion]:
    """Likely targets of a group that the actor may see, best first."""
    if group.kind == Kind.PRODUCT:
        stmt = visible(select(Product.id, Product.sku, Product.name), actor, Product).order_by(Product.sku)
        return [Suggestion(row.id, f"{row.sku} — {row.name}", "") for row in session.execute(stmt)]
    model: type[Partner] | type[Account]
    if group.kind == Kind.RESELLER:
        hits = cached_index(session, PARTNERS).best_matches(group.text, limit=SUGGESTIONS,
                                                             min_score=SUGGESTION_MIN_SCORE)
        model, linked = Partner, _linked(session, actor, file.distributor_id)
    else:
        hits = account_index(session).best_matches(group.text, limit=SUGGESTIONS, min_score=SUGGESTION_MIN_SCORE)
        model, linked = Account, set()
    scores = {hit.id: hit.score for hit in hits}
    stmt = visible(select(model.id, model.name), actor, model).where(model.deleted_at.is_(None),
                                                                      model.id.in_(set(scores) | linked))
    found = [Suggestion(row.id, row.name, _note(row.id, scores, linked)) for row in session.execute(stmt)]
    return sorted(found, key=lambda s: (-scores.get(s.id, 0), s.label))[:SUGGESTIONS + len(linked)]


def _linked(session: Session, actor: User, distributor_id: int) -> set[int]:
    stmt = visible(select(PartnerLink.reseller_id), actor, PartnerLink).where(
        PartnerLink.distributor_id == distributor_id)
    return set(session.scalars(stmt.limit(50)))


def _note(id_: int, scores: dict[int, float], linked: set[int]) -> str:
    parts = (["linked reseller"] if id_ in linked else []) + ([f"similar name {int(scores[id_])}"]
                                                              if id_ in scores else [])
    return ", ".join(parts)


# Resolving ------------------------------------------------------------------------------------------------

def resolve(session: Session, actor: User, file_id: int, kind: str, key: str, target_id: int | None) -> int:
    """Set the target of every unmatched line of the file with this text; remember it for the distributor's next
    files. `target_id` None (customers only): not an account we track. Returns the lines changed."""
    file = _reviewable(session, actor, file_id)
    kind = _kind(kind)
    label = _target_label(session, actor, kind, target_id)
    key_column, text_column, target_column, reason_column = _COLUMNS[kind]
    text = session.scalar(select(func.min(text_column)).where(SelloutLine.file_id == file.id, key_column == key))
    if text is None:
        raise InvalidInput(f"No line of {file.filename} has that {kind}: reload the review queue.",
                           field_errors={"key": "not in this file"})
    before = audit.snapshot(file)
    result: Any = session.execute(
        update(SelloutLine).where(SelloutLine.file_id == file.id, key_column == key, target_column.is_(None),
                                  reason_column == "")
        .values({target_column: target_id, reason_column: REVIEWED if target_id else NOT_TRACKED})
        .execution_options(synchronize_session=False))
    changed = int(result.rowcount)
    _refresh_states(session, file)
    _remember(session, actor, file.distributor_id, kind, key, text, target_id)
    audit.record(session, actor, "update", file, {**before, "review": f"{kind} '{text}' -> {label}"})
    return changed


def _target_label(session: Session, actor: User, kind: str, target_id: int | None) -> str:
    if target_id is None:
        if kind != Kind.CUSTOMER:
            raise InvalidInput(f"Pick the {kind} these lines are.", field_errors={"target_id": "required"})
        return "not tracked"
    target: Partner | Account | Product
    if kind == Kind.RESELLER:
        target = get_visible(session, actor, Partner, target_id)
    elif kind == Kind.CUSTOMER:
        target = get_visible(session, actor, Account, target_id)
    else:
        target = get_visible(session, actor, Product, target_id)
    return target.name


def _refresh_states(session: Session, file: SelloutFile) -> None:
    resolved = and_(SelloutLine.reseller_reason != "", SelloutLine.customer_reason != "",
                    SelloutLine.product_reason != "")
    session.execute(update(SelloutLine).where(SelloutLine.file_id == file.id, SelloutLine.state == LineState.REVIEW,
                                              resolved)
                    .values(state=LineState.MATCHED).execution_options(synchronize_session=False))
    review = session.scalar(select(func.count()).where(SelloutLine.file_id == file.id,
                                                       SelloutLine.state == LineState.REVIEW)) or 0
    file.review_lines, file.matched_lines = review, file.line_count - review


def _remember(session: Session, actor: User, distributor_id: int, kind: str, key: str, text: str,
              target_id: int | None) -> None:
    alias = session.scalars(select(SelloutAlias).where(SelloutAlias.distributor_id == distributor_id,
                                                       SelloutAlias.kind == kind, SelloutAlias.key == key)).first()
    if alias is None:
        alias = SelloutAlias(distributor_id=distributor_id, kind=kind, key=key, text=text[:200], target_id=target_id,
                             created_by_id=actor.id)
        session.add(alias)
        audit.record(session, actor, "create", alias, None)
    elif alias.target_id != target_id:
        before = audit.snapshot(alias)
        alias.target_id, alias.text = target_id, text[:200]
        audit.record(session, actor, "update", alias, before)
