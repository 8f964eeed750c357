"""Keep `opportunity_rollup` in step with `opportunities`, in the same transaction as each write.

Every insert, update or delete of an opportunity through the ORM moves its contribution (one deal,
its amount and its probability-weighted amount) from the rollup row of its old (territory, stage,
currency, close date) to the row of its new one. Bulk loads that bypass the ORM (the demo generator,
imports) call `rebuild`. `drift` compares the rollup with the deals, for tests and operators.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, func, insert, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper, Session

from channelbase.deals.models import Opportunity, PipelineRollup

KEY = ("territory_id", "stage_id", "currency", "close_date")
TRACKED = (*KEY, "outcome", "amount_minor", "probability")
Key = tuple[int, int, str, date]
TABLE = cast(Table, PipelineRollup.__table__)


def _add(connection: Connection, key: Key, outcome: str, deals: int, amount: int, weighted: int) -> None:
    table = TABLE
    values = dict(zip(KEY, key, strict=True), outcome=outcome, deals=deals, amount_minor=amount,
                  weighted_minor=weighted)
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values)
    connection.execute(stmt.on_conflict_do_update(index_elements=list(KEY), set_={
        "outcome": stmt.excluded.outcome,
        "deals": table.c.deals + stmt.excluded.deals,
        "amount_minor": table.c.amount_minor + stmt.excluded.amount_minor,
        "weighted_minor": table.c.weighted_minor + stmt.excluded.weighted_minor,
    }))
    if deals < 0:
        connection.execute(delete(table).where(*(table.c[k] == v for k, v in zip(KEY, key, strict=True)),
                                               table.c.deals <= 0))


def _contribution(values: dict[str, Any]) -> tuple[Key, str, int, int]:
    key = (values["territory_id"], values["stage_id"], values["currency"], values["close_date"])
    return key, values["outcome"], values["amount_minor"], values["amount_minor"] * values["probability"]


def _current(target: Opportunity) -> dict[str, Any]:
    return {name: getattr(target, name) for name in TRACKED}


def _previous(target: Opportunity) -> dict[str, Any]:
    """The tracked values as they were before this flush (attribute history still holds them)."""
    state = inspect(target)
    values = {}
    for name in TRACKED:
        history = state.attrs[name].history
        values[name] = history.deleted[0] if history.deleted else getattr(target, name)
    return values


@event.listens_for(Opportunity, "after_insert")
def _inserted(_mapper: Mapper, connection: Connection, target: Opportunity) -> None:
    key, outcome, amount, weighted = _contribution(_current(target))
    _add(connection, key, outcome, 1, amount, weighted)


@event.listens_for(Opportunity, "after_update")
def _updated(_mapper: Mapper, connection: Connection, target: Opportunity) -> None:
    before, after = _previous(target), _current(target)
    if before == after:
        return
    key, outcome, amount, weighted = _contribution(before)
    _add(connection, key, outcome, -1, -amount, -weighted)
    key, outcome, amount, weighted = _contribution(after)
    _add(connection, key, outcome, 1, amount, weighted)


@event.listens_for(Opportunity, "after_delete")
def _deleted(_mapper: Mapper, connection: Connection, target: Opportunity) -> None:
    key, outcome, amount, weighted = _contribution(_previous(target))
    _add(connection, key, outcome, -1, -amount, -weighted)


def _aggregate():
    o = Opportunity
    return (select(o.territory_id, o.stage_id, o.currency, o.close_date, func.min(o.outcome), func.count(),
                   func.sum(o.amount_minor), func.sum(o.amount_minor * o.probability))
            .group_by(o.territory_id, o.stage_id, o.currency, o.close_date))


def rebuild(session: Session) -> int:
    """Recompute the whole rollup from the deals (after bulk loads); returns its row count."""
    session.flush()
    table = TABLE
    session.execute(delete(table))
    session.execute(insert(table).from_select(
        [*KEY, "outcome", "deals", "amount_minor", "weighted_minor"], _aggregate()))
    return session.scalar(select(func.count()).select_from(table)) or 0


def drift(session: Session) -> list[tuple[tuple, tuple, tuple]]:
    """Rows where the rollup and the deals disagree: (key, rollup values, deal values); empty when in step."""
    session.flush()
    truth = {tuple(row[:4]): tuple(row[4:]) for row in session.execute(_aggregate())}
    r = PipelineRollup
    stored = {tuple(row[:4]): tuple(row[4:]) for row in session.execute(
        select(r.territory_id, r.stage_id, r.currency, r.close_date, r.outcome, r.deals, r.amount_minor,
               r.weighted_minor))}
    return [(key, stored.get(key, ()), truth.get(key, ())) for key in sorted(set(truth) | set(stored), key=str)
            if stored.get(key) != truth.get(key)]
