"""Company matching as plain functions: pairs, look-ups, duplicate clusters, and similar accounts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from channelbase.auth.models import User
from channelbase.auth.visibility import visible
from channelbase.core.names import company_key
from channelbase.core.validation import normalize_tax_id
from channelbase.matching.index import NameIndex
from channelbase.matching.normalize import normalize
from channelbase.matching.score import (
    DOMAIN_SCORE, SHIPPED_THRESHOLD, TAX_ID_SCORE, compact_tax_id, registered_domain, score_names,
)
from channelbase.partners.models import Account

DUPLICATE_CANDIDATES = 12  # names scored per row: duplicates rank at the top of the shortlist
FUZZY_CANDIDATES = 48
OTHER_COUNTRY_PENALTY = 5.0  # a similar name in another country is less likely the same customer
INDEX_MAX_AGE = 900.0  # seconds: renamed accounts reach the cached index within this time (and a rebuild)

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Match:
    account_id: int
    name: str
    score: float
    reason: str  # "tax id", "domain", "same name" or "similar name"


@dataclass(frozen=True, slots=True)
class PairResult:
    score: int
    same: bool


@dataclass(frozen=True, slots=True)
class QueryResult:
    match: str  # the best name at or above the threshold, or ""
    score: int  # the best name's score, even below the threshold (0 when nothing shares a word)


# Files of names (the CLI) --------------------------------------------------------------------------

def match_pairs(rows: Iterable[tuple[str, str]], threshold: float = SHIPPED_THRESHOLD) -> Iterator[PairResult]:
    """Score each (left, right) pair; `same` when the rounded score reaches the threshold."""
    for left, right in rows:
        score = round(score_names(left, right))
        yield PairResult(score, score >= threshold)


def match_queries(accounts: list[str], queries: Iterable[str],
                  threshold: float = SHIPPED_THRESHOLD) -> Iterator[QueryResult]:
    """For each query, the most similar account name (empty when none reaches the threshold)."""
    index = NameIndex.build(enumerate(accounts))
    for query in queries:
        hits = index.best_matches(query, limit=1)
        score = round(hits[0].score) if hits else 0
        yield QueryResult(hits[0].name if score >= threshold else "", score)


def dedupe(names: list[str], threshold: float = SHIPPED_THRESHOLD,
           progress: Callable[[int], None] | None = None) -> list[int]:
    """Cluster number (1, 2, ... in order of first appearance) of each name; duplicates share one."""
    index = NameIndex.build(enumerate(names))
    parents = list(range(len(names)))
    for i, name in enumerate(names):
        hits = index.best_matches(name, limit=DUPLICATE_CANDIDATES, min_score=threshold, exclude=i,
                                  candidates=DUPLICATE_CANDIDATES)
        for hit in hits:
            _union(parents, i, hit.id)
        if progress:
            progress(i + 1)
    numbers: dict[int, int] = {}
    return [numbers.setdefault(_root(parents, i), len(numbers) + 1) for i in range(len(names))]


def _root(parents: list[int], i: int) -> int:
    while parents[i] != i:
        parents[i] = parents[parents[i]]  # path halving keeps the trees flat
        i = parents[i]
    return i


def _union(parents: list[int], a: int, b: int) -> None:
    root_a, root_b = _root(parents, a), _root(parents, b)
    if root_a != root_b:
        parents[max(root_a, root_b)] = min(root_a, root_b)


# Accounts in the database --------------------------------------------------------------------------

def find_similar_accounts(session: Session, actor: User, name: str, domain: str | None = None,
                          tax_id: str | None = None, country: str | None = None, limit: int = 10,
                          *, min_score: float = SHIPPED_THRESHOLD) -> list[Match]:
    """Live accounts the actor may see that are likely the same company: same tax id, same web
    domain, same normalised name, or a similar name (at least `min_score`). Best first."""
    found: dict[int, Match] = {}
    for match in (*_exact_matches(session, actor, name, domain, tax_id, country),
                  *_fuzzy_matches(session, actor, name, country, min_score)):
        if match.account_id not in found or match.score > found[match.account_id].score:
            found[match.account_id] = match
    return sorted(found.values(), key=lambda m: (-m.score, m.name, m.account_id))[:limit]


def _exact_matches(session, actor, name, domain, tax_id, country) -> list[Match]:
    # One lookup per key, each on its own index (an OR of the three may scan the table).
    lookups = []
    if tax := tax_key(country, tax_id):
        lookups.append((Account.tax_id == tax, TAX_ID_SCORE, "tax id"))
    if hosts := domain_keys(domain):
        lookups.append((Account.domain.in_(hosts), DOMAIN_SCORE, "domain"))
    if key := company_key(name or ""):
        lookups.append((Account.name_key == key, 100.0, "same name"))
    matches = []
    for condition, score, reason in lookups:
        stmt = visible(select(Account.id, Account.name), actor, Account)
        for row in session.execute(stmt.where(Account.deleted_at.is_(None), condition).limit(50)):
            matches.append(Match(row.id, row.name, score, reason))
    return matches


def tax_key(country: str | None, tax_id: str | None) -> str:
    """The tax id as the accounts store it: validated and compact for the country, else just compact."""
    if not tax_id:
        return ""
    try:
        return normalize_tax_id((country or "").upper(), tax_id)
    except ValueError:
        return compact_tax_id(tax_id)


def domain_keys(domain: str | None) -> list[str]:
    host = registered_domain(domain)
    if "." not in host:
        return []
    full = (domain or "").strip().lower().split("://")[-1].split("/")[0].split("@")[-1].removeprefix("www.")
    return sorted({host, full} - {""})


def _fuzzy_matches(session, actor, name, country, min_score) -> list[Match]:
    if not normalize(name or ""):
        return []
    hits = account_index(session).best_matches(name, limit=FUZZY_CANDIDATES, min_score=min_score)
    if not hits:
        return []
    # The cached index may be a little behind: read the candidates again, as this actor may see them.
    stmt = visible(select(Account.id, Account.name, Account.country), actor, Account)
    rows = session.execute(stmt.where(Account.id.in_([h.id for h in hits]), Account.deleted_at.is_(None)))
    matches = []
    for row in rows:
        score = score_names(name, row.name)
        if country and row.country and row.country != country.upper():
            score -= OTHER_COUNTRY_PENALTY
        if score >= min_score:
            matches.append(Match(row.id, row.name, round(score, 1), "same name" if score >= 100 else "similar name"))
    return matches


# Process-wide name indexes (accounts, and any other table of company names) -----------------------

@dataclass(frozen=True)
class IndexSource:
    """Where an index's names come from: a table's id, name and name-key columns, and which rows count."""

    kind: str
    id_column: Any
    name_column: Any
    key_column: Any
    live: Any  # SQL condition of the rows to index


@dataclass
class _CachedIndex:
    index: NameIndex
    newest: tuple[int, str]  # (max id, its name key): a rollback that reuses ids still changes this
    built_at: float


_indexes: dict[tuple[str, str], _CachedIndex] = {}
_rebuilding: dict[tuple[str, str], threading.Thread] = {}
_lock = threading.Lock()

ACCOUNTS = IndexSource("accounts", Account.id, Account.name, Account.name_key, Account.deleted_at.is_(None))


def cached_index(session: Session, source: IndexSource) -> NameIndex:
    """An index of the source's names in this database, built once per process and kept current:
    new rows are added as they appear; renames are picked up by a rebuild once the index is INDEX_MAX_AGE
    seconds old. That rebuild runs in a background thread while the old index goes on answering (at
    200,000 accounts it takes seconds, which the registration that found it old, and every other one on
    the worker, used to wait for). Callers read candidates back from the database (rows may have left
    `live` or become hidden since), so a stale index can miss a fresh rename, never show a wrong row."""
    bind = session.get_bind()
    key = (str(bind.engine.url), source.kind)  # a session may be bound to a Connection (tests)
    newest = _newest(session, source)
    with _lock:
        cached = _indexes.get(key)
        current = cached is not None and (cached.newest == newest or (
            newest[0] > cached.newest[0] and _still_there(session, source, cached.newest)))
        if cached is None or not current:  # none yet, or rows it holds were rolled back: build it now
            _indexes[key] = _build(session, source, newest)
            return _indexes[key].index
        if cached.newest != newest:
            _add_new_rows(session, source, cached, newest)
        if time.monotonic() - cached.built_at >= INDEX_MAX_AGE and key not in _rebuilding:
            _rebuilding[key] = threading.Thread(target=_rebuild, args=(bind.engine, source, key), daemon=True,
                                                name=f"rebuild-{source.kind}-index")
            _rebuilding[key].start()
        return cached.index


def _build(session: Session, source: IndexSource, newest: tuple[int, str]) -> _CachedIndex:
    rows = session.execute(select(source.id_column, source.name_column).where(source.live))
    return _CachedIndex(NameIndex.build((row[0], row[1]) for row in rows), newest, time.monotonic())


def _rebuild(engine: Engine, source: IndexSource, key: tuple[str, str]) -> None:
    """Build a fresh index on a connection of its own, then swap it in. Rows added meanwhile are newer than
    its `newest`: the next call adds them, as for any index."""
    try:
        with Session(engine) as session:
            fresh = _build(session, source, _newest(session, source))
        with _lock:
            _indexes[key] = fresh
    except Exception:  # the old index goes on answering; the next call past INDEX_MAX_AGE tries again
        log.exception("rebuilding the %s index failed", source.kind)
    finally:
        with _lock:
            _rebuilding.pop(key, None)


def wait_for_rebuilds(timeout: float = 60) -> None:
    """Until the background rebuilds in progress have finished (tests; a clean shutdown)."""
    with _lock:
        threads = list(_rebuilding.values())
    for thread in threads:
        thread.join(timeout)


def account_index(session: Session) -> NameIndex:
    """The index of every live account name (results are always read back through `visible`)."""
    return cached_index(session, ACCOUNTS)


def forget_account_indexes() -> None:
    """Drop the cached indexes (tests, or after a bulk import that renamed accounts)."""
    wait_for_rebuilds()  # or a rebuild finishing later would bring one back
    with _lock:
        _indexes.clear()


def _newest(session: Session, source: IndexSource) -> tuple[int, str]:
    row = session.execute(select(source.id_column, source.key_column)
                          .order_by(source.id_column.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (0, "")


def _still_there(session: Session, source: IndexSource, newest: tuple[int, str]) -> bool:
    return session.scalar(select(source.key_column).where(source.id_column == newest[0])) == newest[1]


def _add_new_rows(session: Session, source: IndexSource, cached: _CachedIndex, newest: tuple[int, str]) -> None:
    rows = session.execute(select(source.id_column, source.name_column)
                           .where(source.id_column > cached.newest[0], source.live))
    for row in rows:
        cached.index.add(row[0], row[1])
    cached.newest = newest
