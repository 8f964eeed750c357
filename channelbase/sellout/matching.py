"""Matching a file's texts to resellers (partners), end customers (accounts) and products.

Each distinct text is matched once per file, however many lines repeat it. Order, first hit wins:
- a reviewer's alias for this distributor ("alias");
- resellers: tax id, web domain, the exact company-name key, then a similar name scoring at least the
  matcher's shipped threshold ("similar name 93"); the distributor's linked resellers are tried first at each
  step, then every live partner;
- customers: the same keys against every live account, read in batches (one query per key kind and 5,000
  texts), then the cached account-name index, with the same other-country penalty as the conflict check;
- products: the SKU exactly (case and spacing aside), then the product name.
Matching sees every live partner, account and product (the vendor's view, as the deal conflict check does);
what people are then shown of the result goes through the visibility rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.visibility import system_actor, visible
from channelbase.core.names import company_key
from channelbase.deals.models import Product
from channelbase.matching.index import NameIndex
from channelbase.matching.score import FREE_MAIL, SHIPPED_THRESHOLD, compact_tax_id, score_names
from channelbase.matching.service import (
    DUPLICATE_CANDIDATES,
    OTHER_COUNTRY_PENALTY,
    IndexSource,
    account_index,
    cached_index,
    domain_keys,
    tax_key,
)
from channelbase.partners.models import Account, Partner, PartnerLink
from channelbase.sellout.models import Kind, SelloutAlias
from channelbase.sellout.rows import Row, name_key, sku_key

BATCH = 5_000
FUZZY_HITS = 5
# Names scored in full per text: a file has thousands of texts, and the same company ranks at the top of the
# blocking shortlist (the duplicate finder scores 12 too); the conflict check scores 48 for one name at a time.
FUZZY_CANDIDATES = DUPLICATE_CANDIDATES
PARTNERS = IndexSource("partners", Partner.id, Partner.name, Partner.name_key, Partner.deleted_at.is_(None))
NOT_TRACKED = "not tracked"  # a reviewer said the customer is not an account we keep


@dataclass(frozen=True, slots=True)
class Found:
    id: int | None
    reason: str  # '' while unmatched

    @property
    def resolved(self) -> bool:
        return bool(self.reason)


UNMATCHED = Found(None, "")


@dataclass(frozen=True, slots=True)
class LineMatch:
    reseller: Found
    customer: Found
    product: Found

    @property
    def matched(self) -> bool:
        return self.reseller.resolved and self.customer.resolved and self.product.resolved


def similar(score: float) -> str:
    return "same name" if score >= 100 else f"similar name {int(score)}"


def _everything(stmt):
    """Matching reads as the vendor: every row (the reads still go through the visibility helper)."""
    return visible(stmt, system_actor())


class _Candidates:
    """Exact keys -> ids, preferring the distributor's linked resellers, then the lowest id."""

    def __init__(self, preferred: set[int]):
        self.preferred = preferred
        self.by_key: dict[str, list[int]] = defaultdict(list)

    def add(self, key: str, id_: int) -> None:
        if key:
            self.by_key[key].append(id_)

    def best(self, keys: Iterable[str]) -> int | None:
        ids = [id_ for key in keys if key for id_ in self.by_key.get(key, ())]
        if not ids:
            return None
        return min(ids, key=lambda id_: (id_ not in self.preferred, id_))


class Matcher:
    """Everything a file is matched against, read once: partners, links, products and the aliases."""

    def __init__(self, session: Session, distributor_id: int):
        self.session, self.distributor_id = session, distributor_id
        self.aliases = {(row.kind, row.key): row.target_id for row in session.execute(_everything(
            select(SelloutAlias.kind, SelloutAlias.key, SelloutAlias.target_id)
            .where(SelloutAlias.distributor_id == distributor_id)))}
        self.linked = set(session.scalars(_everything(select(PartnerLink.reseller_id)).where(
            PartnerLink.distributor_id == distributor_id)))
        self._load_partners()
        self._load_products()
        self._customer_results: dict[tuple[str, str, str, str], Found] = {}

    def _load_partners(self) -> None:
        rows = self.session.execute(_everything(select(Partner.id, Partner.name, Partner.name_key, Partner.tax_id,
                                                       Partner.domain)).where(Partner.deleted_at.is_(None)))
        self.partner_names: dict[int, str] = {}
        self._partner_tax, self._partner_domain, self._partner_key = (
            _Candidates(self.linked), _Candidates(self.linked), _Candidates(self.linked))
        for id_, name, key, tax_id, domain in rows:
            self.partner_names[id_] = name
            self._partner_tax.add(compact_tax_id(tax_id), id_)
            self._partner_domain.add(domain or "", id_)
            self._partner_key.add(key, id_)
        self._linked_index = NameIndex.build((id_, self.partner_names[id_]) for id_ in self.linked
                                             if id_ in self.partner_names)

    def _load_products(self) -> None:
        rows = self.session.execute(_everything(select(Product.id, Product.sku, Product.name)))
        self.products_by_sku: dict[str, int] = {}
        self.products_by_name: dict[str, int] = {}
        for id_, sku, name in rows:
            self.products_by_sku[sku_key(sku)] = id_
            self.products_by_name.setdefault(sku_key(name), id_)

    # Resellers ---------------------------------------------------------------------------------------

    def reseller(self, text: str, tax_id: str, domain: str) -> Found:
        alias = self._alias(Kind.RESELLER, name_key(text), self.partner_names.keys())
        if alias is not None:
            return alias
        for candidates, keys, reason in ((self._partner_tax, [compact_tax_id(tax_id)], "tax id"),
                                         (self._partner_domain, company_domains(domain), "domain"),
                                         (self._partner_key, [company_key(text)], "same name")):
            found = candidates.best(keys)
            if found is not None:
                return Found(found, reason)
        return self._similar_partner(text)

    def _similar_partner(self, text: str) -> Found:
        for index in (self._linked_index, cached_index(self.session, PARTNERS)):
            for hit in index.best_matches(text, limit=FUZZY_HITS, min_score=SHIPPED_THRESHOLD,
                                          candidates=FUZZY_CANDIDATES):
                current = self.partner_names.get(hit.id)  # the cached index may hold a deleted or renamed one
                score = hit.score if current == hit.name else score_names(text, current or "")
                if score >= SHIPPED_THRESHOLD:
                    return Found(hit.id, similar(score))
        return UNMATCHED

    def _alias(self, kind: str, key: str, live: Iterable[int] | None) -> Found | None:
        if (kind, key) not in self.aliases:
            return None
        target = self.aliases[(kind, key)]
        if target is None:
            return Found(None, NOT_TRACKED)
        if live is not None and target not in live:
            return None  # the partner or product it named is gone: match afresh
        return Found(target, "alias")

    # Products ----------------------------------------------------------------------------------------

    def product(self, sku: str, product_name: str) -> Found:
        alias = self._alias(Kind.PRODUCT, sku_key(sku), set(self.products_by_sku.values()))
        if alias is not None:
            return alias
        if (found := self.products_by_sku.get(sku_key(sku))) is not None:
            return Found(found, "sku")
        for text in (product_name, sku):
            if text and (found := self.products_by_name.get(sku_key(text))) is not None:
                return Found(found, "product name")
        return UNMATCHED

    # Customers: in batches -----------------------------------------------------------------------------

    def customers(self, wanted: Iterable[tuple[str, str, str, str]]) -> dict[tuple[str, str, str, str], Found]:
        """(name, tax id, domain, country) -> Found, for many customers with a few queries."""
        pending = [c for c in dict.fromkeys(wanted) if c not in self._customer_results]
        results = self._customer_results
        aliased = {c: self.aliases[(Kind.CUSTOMER, name_key(c[0]))] for c in pending
                   if (Kind.CUSTOMER, name_key(c[0])) in self.aliases}
        live = self._live_accounts({t for t in aliased.values() if t is not None})
        for customer, target in aliased.items():
            if target is None or target in live:
                results[customer] = Found(target, "alias" if target else NOT_TRACKED)
        pending = [c for c in pending if c not in results]
        for reason, keys_of, column in (("tax id", _tax_keys, Account.tax_id), ("domain", _domains, Account.domain),
                                        ("same name", _name_keys, Account.name_key)):
            found = self._by_key(pending, keys_of, column)
            for customer, account_id in found.items():
                results[customer] = Found(account_id, reason)
            pending = [c for c in pending if c not in results]
        results.update(self._similar_accounts(pending))
        return results

    def _by_key(self, customers: list[tuple[str, str, str, str]], keys_of: Callable, column) -> dict:
        keys = {customer: keys_of(customer) for customer in customers}
        wanted = sorted({key for ks in keys.values() for key in ks})
        accounts: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for start in range(0, len(wanted), BATCH):
            stmt = _everything(select(column, Account.id, Account.country)).where(
                Account.deleted_at.is_(None), column.in_(wanted[start:start + BATCH]))
            for key, id_, country in self.session.execute(stmt):
                accounts[key].append((id_, country))
        found = {}
        for customer, ks in keys.items():
            options = [option for key in ks for option in accounts.get(key, ())]
            if options:  # the same country first, then the oldest account
                found[customer] = min(options, key=lambda o: (o[1] != customer[3], o[0]))[0]
        return found

    def _similar_accounts(self, customers: list[tuple[str, str, str, str]]) -> dict:
        if not customers:
            return {}
        index = account_index(self.session)
        hits = {c: index.best_matches(c[0], limit=FUZZY_HITS, min_score=SHIPPED_THRESHOLD, candidates=FUZZY_CANDIDATES)
                for c in customers}
        current = self._current_accounts({hit.id for found in hits.values() for hit in found})
        results = {}
        for customer, found in hits.items():
            best: tuple[float, int] | None = None
            for hit in found:
                if hit.id not in current:
                    continue  # deleted since the index was built
                name, country = current[hit.id]
                score = hit.score if name == hit.name else score_names(customer[0], name)
                if customer[3] and country and country != customer[3]:
                    score -= OTHER_COUNTRY_PENALTY
                if score >= SHIPPED_THRESHOLD and (best is None or (score, -hit.id) > (best[0], -best[1])):
                    best = (score, hit.id)
            results[customer] = Found(best[1], similar(best[0])) if best else UNMATCHED
        return results

    def _current_accounts(self, ids: set[int]) -> dict[int, tuple[str, str]]:
        wanted, found = sorted(ids), {}
        for start in range(0, len(wanted), BATCH):
            stmt = _everything(select(Account.id, Account.name, Account.country)).where(
                Account.deleted_at.is_(None), Account.id.in_(wanted[start:start + BATCH]))
            found.update({id_: (name, country) for id_, name, country in self.session.execute(stmt)})
        return found

    def _live_accounts(self, ids: set[int]) -> set[int]:
        return set(self._current_accounts(ids)) if ids else set()

    # Whole files -------------------------------------------------------------------------------------

    def match_rows(self, rows: list[Row], progress: Callable[[int], None] | None = None) -> list[LineMatch]:
        """One LineMatch per row, in order."""
        customers = self.customers(_customer(row) for row in rows)
        resellers: dict[tuple[str, str, str], Found] = {}
        products: dict[tuple[str, str], Found] = {}
        matches = []
        for done, row in enumerate(rows, start=1):
            reseller_key = (row.reseller, row.reseller_tax_id, row.reseller_domain)
            if reseller_key not in resellers:
                resellers[reseller_key] = self.reseller(*reseller_key)
            product_key = (row.sku, row.product_name)
            if product_key not in products:
                products[product_key] = self.product(*product_key)
            matches.append(LineMatch(resellers[reseller_key], customers[_customer(row)], products[product_key]))
            if progress and done % 1000 == 0:
                progress(done)
        if progress:
            progress(len(rows))
        return matches


def _customer(row: Row) -> tuple[str, str, str, str]:
    return (row.customer, row.customer_tax_id, row.customer_domain, row.country)


def _tax_keys(customer: tuple[str, str, str, str]) -> set[str]:
    _name, tax_id, _domain, country = customer
    return {tax_key(country, tax_id), compact_tax_id(tax_id)} - {""} if tax_id else set()


def company_domains(domain: str) -> list[str]:
    """The domain's keys, none for a free-mail address (many companies share gmail.com)."""
    keys = domain_keys(domain) if domain else []
    return [key for key in keys if key.split(".")[0] not in FREE_MAIL]


def _domains(customer: tuple[str, str, str, str]) -> list[str]:
    return company_domains(customer[2])


def _name_keys(customer: tuple[str, str, str, str]) -> list[str]:
    key = company_key(customer[0])
    return [key] if key else []
