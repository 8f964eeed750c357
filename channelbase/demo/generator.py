"""Deterministic demo and scale data: thousands of partners, contacts and accounts across the Americas.

The named personas of `world.py` are created first through the services; the bulk rows are then
inserted in chunks with Core `insert()` (no ORM objects, no audit entry per row: one summary entry
records the load). Every name, domain and tax id is unique the way the services define it
(`company_key`, `domain_from_website`, `normalize_tax_id`), so the demo never holds a row that the
app itself would refuse as a duplicate.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

import channelbase.models  # noqa: F401  (registers every table, so a reset empties them all)
from channelbase.auth.models import User
from channelbase.core.audit import AuditEntry
from channelbase.core.base import Base, utcnow
from channelbase.core.errors import Conflict, InvalidInput
from channelbase.core.names import company_key, name_tokens, strip_accents
from channelbase.deals import rollup
from channelbase.deals.demo import load_demo_catalogue
from channelbase.deals.demo_pipeline import load_pipeline, record_conflicts
from channelbase.deals.models import Opportunity, Registration
from channelbase.demo import names_data as words
from channelbase.demo.tax_ids import TaxIds
from channelbase.growth.demo import load_growth
from channelbase.portal.demo import load_portal
from channelbase.enablement.demo import load_enablement
from channelbase.events.demo import load_events
from channelbase.onboarding.demo import load_onboarding
from channelbase.recruitment.demo import load_recruitment
from channelbase.health.demo import load_health
from channelbase.plans.demo import load_plans
from channelbase.strategy.demo import load_strategy
from channelbase.surveys.demo import load_surveys
from channelbase.demo.world import DEMO_PASSWORD, PARTNERS as WORLD_PARTNERS, STAFF, demo_logins, seed_world
from channelbase.engagement.demo import load_engagement
from channelbase.engagement.models import Activity, Task
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory


@dataclass(frozen=True)
class Scale:
    partners: int
    contacts: int
    accounts: int
    registrations: int
    opportunities: int
    activities: int
    tasks: int


# Totals in the database after the load, the named personas' rows included.
SCALES = {
    "small": Scale(partners=300, contacts=1_500, accounts=3_000, registrations=60, opportunities=200,
                   activities=2_000, tasks=200),
    "medium": Scale(partners=1_500, contacts=12_000, accounts=40_000, registrations=5_000, opportunities=50_000,
                    activities=100_000, tasks=5_000),
    "large": Scale(partners=5_000, contacts=50_000, accounts=200_000, registrations=50_000,
                   opportunities=500_000, activities=2_000_000, tasks=100_000),
}
CHUNK = 5_000
APP_URL = "http://127.0.0.1:8000"

PARTNER_TYPES = (("distributor", 3), ("dmr", 5), ("var", 40), ("lvar", 8), ("msp", 20), ("si", 14),
                 ("public_sector", 10))
STATUSES = (("active", 70), ("onboarding", 10), ("prospect", 12), ("inactive", 8))
TIERS = (("registered", 40), ("silver", 32), ("gold", 20), ("platinum", 8))
DISTRIBUTOR_TIERS = (("silver", 20), ("gold", 40), ("platinum", 40))
CONTACT_WEIGHT = {"distributor": 3.0, "lvar": 2.0, "si": 1.5, "dmr": 1.5}
PUBLIC_SECTOR_SHARE = 0.12
ACCOUNTS_WITH_PARTNER = 0.20
GOV_TLDS = {"BR": "gov.br", "MX": "gob.mx", "AR": "gob.ar", "CL": "gob.cl", "CO": "gov.co", "PE": "gob.pe",
            "US": "gov", "CA": "ca"}
LEGAL_QUALIFIERS = {"pt": ("Comércio e Serviços", "Tecnologia da Informação", "Participações"),
                    "es": ("Comercializadora", "y Asociados", "Servicios Integrales"),
                    "en": ("Holdings", "International", "of America")}


@dataclass
class DemoSummary:
    scale: str
    seed: int
    partners: int = 0
    contacts: int = 0
    links: int = 0
    accounts: int = 0
    territories: int = 0
    users: int = 0
    registrations: int = 0
    opportunities: int = 0
    activities: int = 0
    tasks: int = 0
    added: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def describe(self) -> str:
        """What the `demo` command prints at the end: counts, where to go and whom to sign in as."""
        lines = [
            f"Demo data loaded (scale {self.scale}, seed {self.seed}) in {self.seconds:.1f} s:",
            f"  {self.partners:,} partners, {self.contacts:,} contacts, {self.links:,} distributor links,",
            f"  {self.accounts:,} accounts, {self.territories:,} territories, {self.users:,} users,",
            f"  {self.added.get('products', 0):,} products, {self.added.get('fx_rates', 0):,} monthly FX rates,",
            f"  {self.registrations:,} deal registrations, {self.opportunities:,} opportunities "
            f"({self.added.get('opportunity_stage_changes', 0):,} stage changes),",
            f"  {self.activities:,} activities, {self.tasks:,} tasks and "
            f"{self.added.get('cadence_rules', 0):,} cadence rules.",
            "",
            f"Run `channelbase serve` and open {APP_URL}",
            f"Sign in with the password {DEMO_PASSWORD} as:",
        ]
        lines += [f"  {role:<8} {email:<32} sees {what}" for role, email, what in demo_logins()]
        return "\n".join(lines)


def generate(session: Session, *, scale: str, seed: int = 7, reset: bool = False,
             progress: Console | None = None) -> DemoSummary:
    """Load the named demo world plus deterministic bulk data up to the totals of SCALE."""
    if scale not in SCALES:
        raise InvalidInput(f"Unknown scale '{scale}': use one of {', '.join(SCALES)}.")
    started = time.perf_counter()
    if reset:
        _delete_everything(session)
    _refuse_if_loaded(session)
    if session.scalar(select(User.id).where(User.email == STAFF[0][1])) is None:
        seed_world(session)
        session.flush()
    loader = _Loader(session, SCALES[scale], seed)
    with _progress_bar(progress) as advance:
        loader.load(advance)
        loader.added.update(load_demo_catalogue(session, seed))  # deals below need its products
        deals = load_pipeline(session, registrations=SCALES[scale].registrations,
                              opportunities=SCALES[scale].opportunities, seed=seed, now=loader.now, advance=advance)
        loader.added.update(deals.added)
        loader.added["opportunity_rollup"] = rollup.rebuild(session)  # the bulk rows bypassed its ORM listeners
        loader.added.update(load_engagement(session, activities=SCALES[scale].activities, tasks=SCALES[scale].tasks,
                                            seed=seed, now=loader.now, advance=advance))
        loader.added.update(load_growth(session, loader.now.date()))
        loader.added.update(load_portal(session, loader.now.date()))
        loader.added.update(load_enablement(session, loader.now.date()))
        loader.added.update(load_events(session, loader.now.date()))
        loader.added.update(load_onboarding(session, loader.now.date()))  # its steps tick from the rest
        loader.added.update(load_recruitment(session, loader.now.date()))  # signing starts journeys from its templates
        loader.added.update(load_strategy(session, loader.now.date()))
        loader.added.update(load_plans(session, loader.now.date()))
        loader.added.update(load_surveys(session, loader.now.date()))
        loader.added.update(load_health(session, loader.now.date()))  # last: its components read all the above
    # Fresh planner statistics, as after any bulk load: without them SQLite scans all 200,000
    # accounts for the duplicate check (deleted_at IS NULL looks selective) instead of using
    # the name, tax id and domain indexes, and the deal conflict check scans the opportunities.
    session.execute(text("ANALYZE"))
    record_conflicts(session, deals.conflicting, loader.now.date())
    summary = _summarise(session, scale, seed, loader.added, time.perf_counter() - started)
    _audit_load(session, summary)
    return summary


# Reset and refusal ------------------------------------------------------------------------------

# Cadence rules are settings too, but not kept: they may name a territory the reset deletes, and the
# demo's own rules come back with the load (an admin's other rules would match nothing after a reset).
KEPT_ON_RESET = {"stages", "programs"}


def _delete_everything(session: Session) -> None:
    """Empty every table of the app (directory, deals, engagement, users, sessions, tokens, jobs, audit
    log); the schema stays, and so do the settings its migrations seeded (pipeline stages and partner
    programs). Tables go children first (`sorted_tables` reversed), so every new table is included."""
    session.flush()
    session.execute(update(User).values(partner_id=None))  # users <-> partners reference each other
    for table in reversed(Base.metadata.sorted_tables):
        if table.name not in KEPT_ON_RESET:
            session.execute(table.delete())
    session.expunge_all()


def _refuse_if_loaded(session: Session) -> None:
    world_keys = [company_key(fields["name"]) for _key, _territory, fields in WORLD_PARTNERS]
    others = session.scalar(select(func.count()).select_from(Partner).where(Partner.name_key.not_in(world_keys)))
    if others:
        raise Conflict(f"Demo data already loaded: this database has {others:,} other partners. "
                       "Run `channelbase demo --reset` to delete ALL data and users and load it again.")


# Progress ---------------------------------------------------------------------------------------

Advance = Callable[[str, int, int], None]


@contextmanager
def _progress_bar(console: Console | None) -> Iterator[Advance]:
    """advance(table, done, total): one bar per table on the console, or nothing without one."""
    if console is None:
        yield lambda _table, _done, _total: None
        return
    columns = (TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        tasks: dict[str, Any] = {}

        def advance(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done)

        yield advance


# The loader -------------------------------------------------------------------------------------

@dataclass
class _Place:
    territory_id: int
    owner_id: int | None


class _Loader:
    """Builds rows with one seeded random generator per table: a change to one table's rules leaves
    the random draws of the others as they were."""

    def __init__(self, session: Session, scale: Scale, seed: int):
        self.session, self.scale, self.seed = session, scale, seed
        self.now = utcnow()
        self.places = _places(session)
        self.tax_ids = TaxIds()
        self.added: dict[str, int] = {}
        self.country_codes = list(words.COUNTRIES)
        self.country_weights = [c.weight for c in words.COUNTRIES.values()]

    def rng(self, table: str) -> random.Random:
        return random.Random(f"channelbase-demo:{self.seed}:{table}")

    def load(self, advance: Advance) -> None:
        # Each table is built from what the previous ones inserted (partner ids, domains, countries).
        for table, build, model in (("partners", self._partners, Partner), ("contacts", self._contacts, Contact),
                                    ("partner_links", self._links, PartnerLink), ("accounts", self._accounts, Account)):
            total, rows = build()
            self.added[table] = self._insert(model, total, rows, table, advance)

    def _insert(self, model, total: int, rows: Iterator[dict], table: str, advance: Advance) -> int:
        """Insert in chunks as the rows are built, so memory stays flat and the bar moves."""
        done = 0
        advance(table, 0, total)
        while chunk := list(islice(rows, CHUNK)):
            # Core insert on the Table: a plain executemany. (The ORM's bulk insert fetches each new
            # primary key, which on SQLite meant one statement per row and took twice as long.)
            self.session.execute(insert(model.__table__), chunk)
            done += len(chunk)
            advance(table, done, total)
        return done

    def _stamps(self, rng: random.Random) -> dict[str, Any]:
        created = self.now - timedelta(seconds=rng.randrange(30 * 86400, 4 * 365 * 86400))
        updated = created + (self.now - created) * rng.random()
        return {"created_at": created, "updated_at": updated, "version": 1}

    def _place(self, country: str, city: str) -> _Place:
        leaf = "US West" if country == "US" and city in words.US_WEST_CITIES else words.COUNTRIES[country].territory
        return self.places[leaf]

    # Partners -----------------------------------------------------------------------------------

    def _partners(self) -> tuple[int, Iterator[dict]]:
        rng = self.rng("partners")
        existing = self.session.execute(select(Partner.name_key, Partner.domain, Partner.tax_id)).all()
        self.tax_ids.used.update(row.tax_id for row in existing if row.tax_id)
        names = _UniqueNames({row.name_key for row in existing})
        domains = _UniqueDomains({row.domain for row in existing if row.domain})
        count = max(0, self.scale.partners - len(existing))
        return count, (self._partner(rng, names, domains) for _ in range(count))

    def _partner(self, rng: random.Random, names: _UniqueNames, domains: _UniqueDomains) -> dict:
        code = rng.choices(self.country_codes, self.country_weights)[0]
        country = words.COUNTRIES[code]
        city = rng.choice(country.cities)
        kind = _weighted(rng, PARTNER_TYPES)
        status = _weighted(rng, STATUSES)
        tier = _partner_tier(rng, kind, status)
        form = _weighted(rng, country.legal_forms)
        base, tokens = names.claim(lambda: _partner_base(rng, country.language, kind), form, city)
        domain = domains.claim(rng, tokens, rng.choice(country.tlds))
        place = self._place(code, city)
        has_tax_id = status != "prospect" or rng.random() < 0.5
        return {
            "name": f"{base} {form}" if rng.random() < 0.85 else base,
            "legal_name": _legal_name(rng, country.language, base, form),
            "name_key": "".join(tokens), "type": kind, "tier": tier, "status": status,
            "is_priority": _is_priority(rng, kind, tier, status), "owner_id": place.owner_id,
            "territory_id": place.territory_id, "country": code, "city": city, "currency": country.currency,
            "website": f"https://{'www.' if rng.random() < 0.4 else ''}{domain}", "domain": domain,
            "tax_id": self.tax_ids.new(rng, code, base) if has_tax_id else None, "deleted_at": None,
            **self._stamps(rng),
        }

    # Contacts -----------------------------------------------------------------------------------

    def _contacts(self) -> tuple[int, Iterator[dict]]:
        rng = self.rng("contacts")
        have = set(self.session.scalars(select(Contact.partner_id).distinct()))
        partners = [p for p in self._all_partners() if p.id not in have]
        existing = self.session.scalar(select(func.count()).select_from(Contact)) or 0
        extra = max(0, self.scale.contacts - existing - len(partners))
        weights = [CONTACT_WEIGHT.get(p.type, 1.0) * rng.uniform(0.5, 1.5) for p in partners]
        per_partner = Counter(rng.choices(range(len(partners)), weights, k=extra)) if partners else Counter()
        rows = (row for index, partner in enumerate(partners)
                for row in self._partner_contacts(rng, partner, 1 + per_partner[index]))
        return len(partners) + sum(per_partner.values()), rows

    def _partner_contacts(self, rng: random.Random, partner, count: int) -> list[dict]:
        country = words.COUNTRIES.get(partner.country, words.COUNTRIES["US"])
        emails: set[str] = set()
        rows = []
        for number in range(count):
            language = "es" if partner.country == "US" and rng.random() < 0.08 else country.language
            first, last = rng.choice(words.FIRST_NAMES[language]), rng.choice(words.LAST_NAMES[language])
            if language != "en" and rng.random() < 0.3:
                last = f"{last} {rng.choice(words.LAST_NAMES[language])}"
            role = rng.choice(("executive", "sales")) if number == 0 else _weighted(rng, words.CONTACT_ROLES)
            rows.append({
                "partner_id": partner.id, "name": f"{first} {last}",
                "email": _email(first, last, partner.domain or "example.com", emails),
                "phone": _phone(rng, country), "role": role, "is_primary": number == 0, "language": language,
                **self._stamps(rng),
            })
        return rows

    # Distributor links --------------------------------------------------------------------------

    def _links(self) -> tuple[int, Iterator[dict]]:
        rng = self.rng("partner_links")
        partners = self._all_partners()
        pairs = {(d, r) for d, r in self.session.execute(select(PartnerLink.distributor_id, PartnerLink.reseller_id))}
        resellers = [p for p in partners if p.type != "distributor"]
        rows = []
        for distributor in (p for p in partners if p.type == "distributor"):
            region = [p for p in resellers if _region(p.country) == _region(distributor.country)]
            local = [p for p in region if p.country == distributor.country]
            for reseller in _pick_resellers(rng, local, region, rng.randint(10, 60)):
                if (distributor.id, reseller.id) not in pairs:
                    pairs.add((distributor.id, reseller.id))
                    rows.append({"distributor_id": distributor.id, "reseller_id": reseller.id, **self._stamps(rng)})
        return len(rows), iter(rows)

    def _all_partners(self):
        return self.session.execute(
            select(Partner.id, Partner.type, Partner.country, Partner.domain)
            .where(Partner.deleted_at.is_(None)).order_by(Partner.id)
        ).all()

    # Accounts -----------------------------------------------------------------------------------

    def _accounts(self) -> tuple[int, Iterator[dict]]:
        rng = self.rng("accounts")
        existing = self.session.execute(select(Account.name_key, Account.domain, Account.tax_id)).all()
        self.tax_ids.used.update(row.tax_id for row in existing if row.tax_id)
        names = _UniqueNames({row.name_key for row in existing})
        domains = _UniqueDomains({row.domain for row in existing if row.domain})
        sellers: dict[str, list[int]] = {}
        for partner in self._all_partners():
            if partner.type != "distributor":
                sellers.setdefault(partner.country, []).append(partner.id)
        count = max(0, self.scale.accounts - len(existing))
        return count, (self._account(rng, names, domains, sellers) for _ in range(count))

    def _account(self, rng: random.Random, names: _UniqueNames, domains: _UniqueDomains,
                 sellers: dict[str, list[int]]) -> dict:
        code = rng.choices(self.country_codes, self.country_weights)[0]
        country = words.COUNTRIES[code]
        city = rng.choice(country.cities)
        public = rng.random() < PUBLIC_SECTOR_SHARE
        pattern: list[str] = []
        if public:
            name, tokens = names.claim(lambda: _public_name(rng, country, pattern), "", city)
        else:
            form = _weighted(rng, country.legal_forms) if rng.random() < 0.7 else ""
            name, tokens = names.claim(lambda: _company_name(rng, country.language, pattern), form, city)
            name = f"{name} {form}".rstrip()
        tld = GOV_TLDS[code] if public else rng.choice(country.tlds)
        domain = domains.claim(rng, tokens, tld, required=False) if rng.random() < (0.7 if public else 0.85) else None
        partner_id = None
        if rng.random() < ACCOUNTS_WITH_PARTNER and sellers.get(code):
            partner_id = rng.choice(sellers[code])
        return {
            "name": name, "name_key": "".join(tokens), "domain": domain, "country": code,
            "industry": pattern[-1] if pattern else "", "is_public_sector": public,
            "tax_id": self.tax_ids.new(rng, code, name) if rng.random() < (0.3 if public else 0.45) else None,
            "territory_id": self._place(code, city).territory_id, "partner_id": partner_id, "deleted_at": None,
            **self._stamps(rng),
        }


def _places(session: Session) -> dict[str, _Place]:
    """Leaf territory name -> its id and the manager who owns it or the nearest territory above it."""
    rows = session.execute(select(Territory.id, Territory.name, Territory.parent_id, Territory.owner_id)).all()
    by_id = {row.id: row for row in rows}

    def owner(row) -> int | None:
        while row is not None and row.owner_id is None:
            row = by_id.get(row.parent_id)
        return row.owner_id if row is not None else None

    leaves = {c.territory for c in words.COUNTRIES.values()} | {"US West"}
    places = {row.name: _Place(row.id, owner(row)) for row in rows if row.name in leaves}
    missing = leaves - set(places)
    if missing:
        raise Conflict(f"Territories {', '.join(sorted(missing))} are missing: run `channelbase demo --reset`.")
    return places


# Names, domains, e-mails -----------------------------------------------------------------------

class _UniqueNames:
    """Hands out names whose company_key no other row of the table has."""

    def __init__(self, used: set[str]):
        self.used = used

    def claim(self, make: Callable[[], str], form: str, city: str) -> tuple[str, list[str]]:
        for _attempt in range(25):
            base = make()
            tokens = name_tokens(f"{base} {form}")
            if "".join(tokens) not in self.used:
                break
        else:  # the word lists ran dry for this pattern: a city, then a number, makes it distinct
            stem = base = f"{base} {city}"
            tokens = name_tokens(f"{base} {form}")
            number = 2
            while "".join(tokens) in self.used:
                base, number = f"{stem} {number}", number + 1
                tokens = name_tokens(f"{base} {form}")
        self.used.add("".join(tokens))
        return base, tokens


class _UniqueDomains:
    def __init__(self, used: set[str]):
        self.used = used

    def claim(self, rng: random.Random, tokens: list[str], tld: str, required: bool = True) -> str | None:
        joined = "".join(tokens)[:40]
        candidates = [joined if len(joined) <= 18 else "".join(tokens[:2])[:40], "-".join(tokens)[:50], joined]
        if rng.random() < 0.3:
            candidates.insert(0, "-".join(tokens[:2])[:40])
        for label in candidates:
            domain = f"{label.strip('-')}.{tld}"
            if domain not in self.used:
                self.used.add(domain)
                return domain
        if not required:
            return None
        number = 2
        while f"{joined}{number}.{tld}" in self.used:
            number += 1
        self.used.add(f"{joined}{number}.{tld}")
        return f"{joined}{number}.{tld}"


def _partner_base(rng: random.Random, language: str, kind: str) -> str:
    tech, brand, distinct = words.TECH_WORDS[language], words.BRAND_WORDS[language], words.DISTINCTIVE[language]
    type_words = words.TYPE_WORDS.get(kind, {}).get(language)
    d, w = rng.choice(distinct), rng.choice(tech)
    if type_words and rng.random() < 0.6:
        t = rng.choice(type_words)
        return f"{t} {d}" if t in ("Distribuidora", "Mayorista", "Loja", "Tienda") else f"{d} {t}"
    roll = rng.random()
    if language == "en":
        if roll < 0.45:
            return f"{d} {w}"
        if roll < 0.75:
            return f"{rng.choice(brand)} {w}"
        if roll < 0.9:
            return f"{rng.choice(brand)} {d} {w}"
        return f"{d} {w} & {_another(rng, tech, w)}"
    if roll < 0.35:
        return f"{w} {d}"
    if roll < 0.6:
        return f"{d} {w}"
    if roll < 0.75:
        return f"{rng.choice(brand)} {w}"
    return f"{d} {w} {'e' if language == 'pt' else 'y'} {_another(rng, tech, w)}"


def _another(rng: random.Random, choices: tuple[str, ...], word: str) -> str:
    """A second word that is not the first one again ('Tecnologia e Tecnologias')."""
    while (other := rng.choice(choices))[:5] == word[:5]:
        pass
    return other


def _legal_name(rng: random.Random, language: str, base: str, form: str) -> str:
    if rng.random() < 0.3:
        return f"{base} {rng.choice(LEGAL_QUALIFIERS[language])} {form}"
    return f"{base} {form}"


def _distinct_part(rng: random.Random, language: str) -> str:
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(words.DISTINCTIVE[language])
    last = words.LAST_NAMES[language]
    if roll < 0.75:
        return f"{rng.choice(words.DISTINCTIVE[language])} {rng.choice(last)}"
    if roll < 0.9:
        joiner = "&" if language == "en" else rng.choice(("&", "e" if language == "pt" else "y"))
        return f"{rng.choice(last)} {joiner} {rng.choice(last)}"
    return f"{rng.choice(last)} {rng.choice(last)}"


def _company_name(rng: random.Random, language: str, out: list[str]) -> str:
    pattern, industry = rng.choice(words.ACCOUNT_PATTERNS[language])
    out.append(industry)
    return pattern.format(d=_distinct_part(rng, language))


def _public_name(rng: random.Random, country: words.Country, out: list[str]) -> str:
    language = country.language
    group = "BR" if country.code == "BR" else "ES" if language == "es" else "EN"
    pattern, industry = rng.choice(words.PUBLIC_PATTERNS[group])
    out.append(industry)
    if country.code in words.CITY_GOVERNMENT:
        pattern = pattern.replace("Municipio de", words.CITY_GOVERNMENT[country.code])
    person = f"{rng.choice(words.FIRST_NAMES[language])} {rng.choice(words.LAST_NAMES[language])}"
    if language != "en" and rng.random() < 0.5:
        person = f"{person} {rng.choice(words.LAST_NAMES[language])}"
    return pattern.format(city=rng.choice(country.cities), region=rng.choice(country.regions),
                          area=rng.choice(words.PUBLIC_AREAS[language]), person=person)


def _email(first: str, last: str, domain: str, used: set[str]) -> str:
    first_part = _ascii_word(first)
    last_part = _ascii_word(last.split(" ")[0])
    for local in (f"{first_part}.{last_part}", f"{first_part[0]}{last_part}", f"{first_part}{last_part[0]}"):
        if local not in used:
            break
    else:
        number = 2
        while f"{first_part}.{last_part}{number}" in used:
            number += 1
        local = f"{first_part}.{last_part}{number}"
    used.add(local)
    return f"{local}@{domain}"


def _ascii_word(text: str) -> str:
    return "".join(ch for ch in strip_accents(text).lower() if ch.isalnum())


def _phone(rng: random.Random, country: words.Country) -> str:
    """A number in the country's usual written form (North American plan, Brazilian mobiles, ...)."""
    if country.code in ("US", "CA"):
        return f"+1 {rng.randint(201, 989)} {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
    if country.code == "BR":
        return f"+55 {rng.randint(11, 99)} 9{rng.randint(6000, 9999)}-{rng.randint(0, 9999):04d}"
    if country.code == "MX":
        return f"+52 {rng.randint(33, 99)} {rng.randint(1000, 9999)} {rng.randint(0, 9999):04d}"
    return f"{country.phone_prefix} {rng.randint(1, 9)} {rng.randint(200, 999)} {rng.randint(0, 9999):04d}"


# Types, tiers, links ---------------------------------------------------------------------------

def _weighted(rng: random.Random, choices) -> str:
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights)[0]


def _partner_tier(rng: random.Random, kind: str, status: str) -> str:
    if status == "prospect":
        return "registered"
    return _weighted(rng, DISTRIBUTOR_TIERS if kind == "distributor" else TIERS)


def _is_priority(rng: random.Random, kind: str, tier: str, status: str) -> bool:
    if status in ("prospect", "inactive"):
        return False
    chance = 0.8 if kind == "distributor" else {"platinum": 0.5, "gold": 0.15}.get(tier, 0.04)
    return rng.random() < chance


def _region(country: str) -> str:
    return "north_america" if country in ("US", "CA") else "latam"


def _pick_resellers(rng: random.Random, local: list, region: list, count: int) -> list:
    """About 70% from the distributor's own country, the rest from elsewhere in its region."""
    chosen = rng.sample(local, min(len(local), round(count * 0.7)))
    taken = {p.id for p in chosen}
    others = [p for p in region if p.id not in taken]
    return chosen + rng.sample(others, min(len(others), count - len(chosen)))


# Summary ---------------------------------------------------------------------------------------

def _summarise(session: Session, scale: str, seed: int, added: dict[str, int], seconds: float) -> DemoSummary:
    def count(model) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return DemoSummary(scale=scale, seed=seed, partners=count(Partner), contacts=count(Contact),
                       links=count(PartnerLink), accounts=count(Account), territories=count(Territory),
                       users=count(User), registrations=count(Registration), opportunities=count(Opportunity),
                       activities=count(Activity), tasks=count(Task), added=dict(added), seconds=seconds)


def _audit_load(session: Session, summary: DemoSummary) -> None:
    """One audit entry for the whole load instead of one per generated row."""
    admin = session.scalar(select(User).where(User.email == STAFF[0][1]))
    session.add(AuditEntry(actor_id=admin.id if admin else None, actor_label="channelbase demo", action="create",
                           entity_type="demo_data", entity_id=0,
                           after={"scale": summary.scale, "seed": summary.seed, "added": summary.added}))
    session.flush()
