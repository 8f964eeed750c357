"""Load test: a team's mix of pages, deal registrations and API calls against `channelbase serve` on loopback.

    # the acceptance runs: 50 people clicking every 3 s (±50 %), 10 minutes each with 2 and 4 web workers
    .venv/bin/python bench/load.py --workers 2,4 --users 50 --think 3 --duration 600 --warmup 20
    # saturation: 12 users without pauses, 90 s each with 1, 2 and 4 workers (the scaling table)
    .venv/bin/python bench/load.py --workers 1,2,4 --users 12 --think 0 --duration 90 --warmup 15
    # a smoke run against a small SQLite demo (`channelbase demo --scale small` loaded into it)
    .venv/bin/python bench/load.py --database-url sqlite:////tmp/load-small.db --workers 1 --users 10 --duration 30

The database is the large demo on PostgreSQL that `bench/engagement.py --db postgresql --keep` leaves behind
(cb_bench_engagement: 5,000 partners, 500,000 opportunities, 2,000,000 activities, and the 500-partner manager
bench.manager@channelbase.demo). This script never drops or rebuilds it, but writes into it: web sessions, API
tokens (revoked at the end), the deals the partner users register, and once, the extra partner users of
--extra-partner-users (the large demo has only ana, bruno and dora; a portal's users are spread over many
partners, so bench.partner01@channelbase.demo … sign in for large-demo partners too).

For each worker count: starts `channelbase serve --host 127.0.0.1 --workers N` (loopback only) with
CHANNELBASE_JOBS_IN_WEB=false, waits until it answers and its workers have gone quiet (start-up and the
conflict-check index warm-up done), signs every virtual user in once (POST /login for page users; API tokens
made with channelbase.auth.service for API clients), replays ROLES below for --warmup + --duration seconds with
one httpx.AsyncClient per user, and stops the server with SIGTERM, also on errors and Ctrl+C. Only requests
started after the warm-up and before the end count.

Per endpoint (the route template): requests, errors (an unexpected status, an exception or a timeout; the first
bodies are listed), throughput, client latency p50/p95/p99/max and the app's own time from its `Server-Timing:
app;dur=` header; the same per signed-in manager and API client; and the CPU that this client, the server's
processes and PostgreSQL used in the window (from /proc: they all share the same cores). Writes Markdown to
stdout and bench/results/load-DB.md (--think 0: load-DB-saturation.md). See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import select
from sqlalchemy.engine import make_url

from channelbase.auth import service as auth_service
from channelbase.auth.models import Role, User
from channelbase.auth.visibility import visible, visible_partner_ids
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work
from channelbase.deals.models import Product, Stage
from channelbase.demo import names_data
from channelbase.demo.world import DEMO_PASSWORD, PARTNER_USERS, STAFF
from channelbase.partners.models import Partner

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # bench/ is not a package
from load_report import SERVER_TIMING, Recorder, Run, report  # noqa: E402
from load_server import LOOPBACK, SERVER_DATA, cpu_mark, served  # noqa: E402

RESULTS = BENCH / "results"
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1/cb_bench_engagement"
TIMEOUT_S = 30.0

# The mix: the share of --users in each role, and each role's actions with their weights (relative within it).
ROLES: dict[str, tuple[float, dict[str, int]]] = {
    # Channel managers: bench.manager (500 partners), lucia (Latin America) and nathan (North America).
    "manager": (0.3, {"today": 30,  # GET /today: My day, where their day starts
                      "pipeline": 25,  # GET /opportunities with one of six filter/sort sets; page 2 one time in 5
                      "board": 10,  # GET /opportunities/board: the pipeline by stage
                      "queue": 20,  # GET /registrations?status=submitted: the decisions waiting, sorted 4 ways
                      "partner_page": 15}),  # GET /partners/{id}: one of the partners they see
    # Partner users: ana, bruno, dora and the extra ones, each for their own partner. They look far more often
    # than they register; registering is the form, a pause, the POST (a real write with a customer name never
    # used before, checked for conflicts against every account) and the page the redirect leads to.
    "partner": (0.5, {"home": 30, "my_registrations": 25, "my_opportunities": 25, "register": 20}),
    # API clients: tokens of the three managers (their CRM syncs) and of the admin (a company-wide export),
    # reading filtered lists 1-3 pages deep (partners by cursor, opportunities and registrations by page).
    "api": (0.2, {"api_partners": 35, "api_opportunities": 35, "api_registrations": 30}),
}
MANAGERS = ("bench.manager@channelbase.demo", STAFF[1][1], STAFF[2][1])
EXTRA_PARTNER_EMAIL = "bench.partner{:02d}@channelbase.demo"
PARTNER_TYPES = ("distributor", "var", "lvar", "msp", "si")
DEAL_TITLES = ("Server refresh", "Cloud migration", "Backup and recovery", "Network upgrade", "Security suite",
               "Virtual desktops", "Data platform", "Support renewal")


# Who signs in -------------------------------------------------------------------------------------------------

@dataclass
class Identity:
    email: str
    role: str
    partner_ids: list[int] = field(default_factory=list)  # managers: a sample of the partners they see
    product_ids: list[int] = field(default_factory=list)  # partner users: the products they may register
    country: str = "US"
    currency: str = "USD"
    token: str = ""  # API clients

    @property
    def who(self) -> str:
        return "partner users" if self.role == "partner" else self.email.split("@")[0]


@dataclass
class Cast:
    roles: dict[str, list[Identity]]
    stages: list[str]
    token_ids: list[int] = field(default_factory=list)


def prepare(url: str, extra_partner_users: int, seed: int) -> Cast:
    """The identities of the run, read from the database; API tokens and missing extra partner users created."""
    engine = make_engine(url)
    rng = random.Random(seed)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            _add_partner_users(session, extra_partner_users, rng)
            session.flush()
            open_stages = select(Stage.key).where(Stage.active, Stage.outcome == "open").order_by(Stage.position)
            cast = Cast({"manager": [], "partner": [], "api": []}, list(session.scalars(open_stages)))
            for email in MANAGERS:
                user = auth_service.active_user_by_email(session, email)
                if user is None:  # a small demo for a smoke run has no bench manager
                    print(f"no {email}: the managers' share goes to the others", file=sys.stderr)
                    continue
                seen = list(session.scalars(visible_partner_ids(user).order_by(Partner.id)))
                cast.roles["manager"].append(Identity(email, "manager", rng.sample(seen, min(300, len(seen)))))
            for email in [e for _key, e, *_ in PARTNER_USERS] + [EXTRA_PARTNER_EMAIL.format(n + 1)
                                                                 for n in range(extra_partner_users)]:
                cast.roles["partner"].append(_partner_identity(session, _user(session, email)))
            for email in [i.email for i in cast.roles["manager"]] + [STAFF[0][1]]:
                token, secret = auth_service.create_api_token(session, _user(session, email), "load test")
                session.flush()
                cast.roles["api"].append(Identity(email, "api", token=secret))
                cast.token_ids.append(token.id)
        return cast
    finally:
        engine.dispose()


def _user(session, email: str) -> User:
    user = auth_service.active_user_by_email(session, email)
    if user is None:
        raise SystemExit(f"no active user {email}: is this the large demo with bench/engagement.py's bench manager?")
    return user


def _partner_identity(session, user: User) -> Identity:
    partner = session.get_one(Partner, user.partner_id)
    products = list(session.scalars(visible(select(Product.id), user).where(Product.active)))
    return Identity(user.email, "partner", [partner.id], products, partner.country, partner.currency)


def _add_partner_users(session, count: int, rng: random.Random) -> None:
    """Partner users for active large-demo partners, made once and found again by later runs."""
    missing = [n for n in range(1, count + 1)
               if auth_service.active_user_by_email(session, EXTRA_PARTNER_EMAIL.format(n)) is None]
    if not missing:
        return
    admin = _user(session, STAFF[0][1])
    taken = set(session.scalars(select(User.partner_id).where(User.partner_id.is_not(None))))
    active = session.scalars(select(Partner.id).where(Partner.status == "active", Partner.deleted_at.is_(None))
                             .order_by(Partner.id))
    for n, partner_id in zip(missing, rng.sample([p for p in active if p not in taken], len(missing))):
        auth_service.create_user(session, admin, email=EXTRA_PARTNER_EMAIL.format(n), name=f"Bench Partner {n:02d}",
                                 role=Role.PARTNER, password=DEMO_PASSWORD, partner_id=partner_id)
    print(f"made {len(missing)} partner users ({EXTRA_PARTNER_EMAIL.format(missing[0])} …)", file=sys.stderr)


def revoke_tokens(url: str, cast: Cast) -> None:
    engine = make_engine(url)
    try:
        with unit_of_work(make_sessionmaker(engine)) as session:
            for identity, token_id in zip(cast.roles["api"], cast.token_ids):
                auth_service.revoke_api_token(session, _user(session, identity.email), token_id)
    finally:
        engine.dispose()


# The virtual users --------------------------------------------------------------------------------------------

class VirtualUser:
    """One person (or integration) with its own connection, cookies and random stream."""

    def __init__(self, number: int, identity: Identity, cast: Cast, base: str, args: argparse.Namespace,
                 recorder: Recorder):
        headers = {"Authorization": f"Bearer {identity.token}"} if identity.token else {}
        self.client = httpx.AsyncClient(base_url=base, headers=headers, timeout=TIMEOUT_S, follow_redirects=False)
        self.identity, self.stages, self.think, self.recorder = identity, cast.stages, args.think, recorder
        self.rng = random.Random(args.seed * 10_007 + number)
        self.tag = f"{number:02d}-{int(time.time()) % 1_000_000}"  # customer names never used before
        self.registered = 0

    async def sign_in(self) -> None:
        if self.identity.token:
            return
        await self.client.get("/login")
        response = await self.client.post("/login", data={"email": self.identity.email, "password": DEMO_PASSWORD,
                                                          "next": "/", "csrf_token": self._csrf()})
        if response.status_code != 303:
            raise SystemExit(f"{self.identity.email} could not sign in: HTTP {response.status_code}")

    async def sign_out(self) -> None:
        if not self.identity.token and self._csrf():
            await self.client.post("/logout", data={"csrf_token": self._csrf()})
        await self.client.aclose()

    def _csrf(self) -> str:
        return self.client.cookies.get("cb_csrf") or ""

    async def live(self) -> None:
        actions = ROLES[self.identity.role][1]
        await asyncio.sleep(self.rng.uniform(0, self.think))  # people do not all click at the same instant
        while time.monotonic() < self.recorder.end:
            await getattr(self, self.rng.choices(list(actions), list(actions.values()))[0])()
            await self.pause()

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think if self.think > 0 else 0)

    async def request(self, label: str, method: str, url: str, expect: int = 200, **kwargs) -> httpx.Response | None:
        """One timed request; None when it failed (the failure is recorded)."""
        started, clock = time.monotonic(), time.perf_counter()
        response, error, server_ms = None, None, None
        try:
            response = await self.client.request(method, url, **kwargs)
            if response.status_code != expect:
                error = f"{method} {url} → HTTP {response.status_code}: {' '.join(response.text.split())[:300]}"
            timing = SERVER_TIMING.search(response.headers.get("server-timing", ""))
            server_ms = float(timing.group(1)) if timing else None
        except httpx.HTTPError as exc:
            error = f"{method} {url} → {type(exc).__name__}: {exc}"
        latency_ms = (time.perf_counter() - clock) * 1000
        self.recorder.add(label, self.identity.who, url, started, latency_ms, server_ms, error)
        return None if error else response

    async def get(self, label: str, path: str, params: dict | None = None) -> httpx.Response | None:
        return await self.request(label, "GET", f"{path}?{urlencode(params)}" if params else path)

    # Managers

    async def today(self) -> None:
        await self.get("GET /today", "/today")

    async def pipeline(self) -> None:
        await self.get("GET /opportunities?filters", "/opportunities", self._paged(self._opportunity_filters()))

    async def board(self) -> None:
        await self.get("GET /opportunities/board", "/opportunities/board")

    async def queue(self) -> None:
        sort = self.rng.choice(("submitted", "due", "-close", "customer"))
        await self.get("GET /registrations?status=submitted", "/registrations",
                       self._paged({"status": "submitted", "sort": sort}))

    async def partner_page(self) -> None:
        await self.get("GET /partners/{id}", f"/partners/{self.rng.choice(self.identity.partner_ids)}")

    # Partner users

    async def home(self) -> None:
        await self.get("GET / (partner home)", "/")

    async def my_registrations(self) -> None:
        status = self.rng.choice((None, None, "approved", "submitted"))
        await self.get("GET /registrations (partner)", "/registrations", {"status": status} if status else None)

    async def my_opportunities(self) -> None:
        sort = self.rng.choice((None, None, "-amount", "stage"))
        await self.get("GET /opportunities (partner)", "/opportunities", {"sort": sort} if sort else None)

    async def register(self) -> None:
        if await self.get("GET /registrations/new", "/registrations/new") is None:
            return
        await self.pause()  # filling in the form
        if time.monotonic() >= self.recorder.end:
            return
        submitted = await self.request("POST /registrations (register a deal)", "POST", "/registrations",
                                       expect=303, data=self._deal())
        if submitted is not None:
            await self.get("GET /registrations/{id}", submitted.headers["location"])

    # API clients

    async def api_partners(self) -> None:
        params = {**self.rng.choice(self._partner_filters()), "limit": 50}
        for _page in range(self.rng.randint(1, 3)):
            response = await self.get("GET /api/v1/partners?filters&cursor", "/api/v1/partners", params)
            params["cursor"] = response.json().get("next_cursor") if response else None
            if not params["cursor"]:
                return

    async def api_opportunities(self) -> None:
        await self._pages("GET /api/v1/opportunities?filters&page", "/api/v1/opportunities",
                          self._opportunity_filters())

    async def api_registrations(self) -> None:
        filters = self.rng.choice(({"status": "submitted"}, {"status": "approved", "expiring_days": 30},
                                   {"overdue": "true"}, {"status": "approved", "sort": "-close"}))
        await self._pages("GET /api/v1/registrations?filters&page", "/api/v1/registrations", filters)

    async def _pages(self, label: str, path: str, filters: dict) -> None:
        for page in range(1, self.rng.randint(1, 3) + 1):
            response = await self.get(label, path, {**filters, "limit": 50, "page": page})
            if response is None or response.json().get("next_page") is None:
                return

    # What they ask for

    def _paged(self, params: dict) -> dict:
        return {**params, "page": 2} if self.rng.random() < 0.2 else params

    def _opportunity_filters(self) -> dict:
        today = date.today()
        return self.rng.choice((
            {"outcome": "open", "sort": "-amount"},
            {"outcome": "open", "stage": self.rng.choice(self.stages), "sort": "close"},
            {"outcome": "open", "partner_type": self.rng.choice(PARTNER_TYPES), "sort": "-updated"},
            {"close_from": today.isoformat(), "close_to": (today + timedelta(days=90)).isoformat(), "sort": "close"},
            {"outcome": "open", "stalled": "true", "sort": "stalled"},
            {"q": self._word()},
        ))

    def _partner_filters(self) -> list[dict]:
        return [{"status": "active"}, {"status": "active", "type": self.rng.choice(PARTNER_TYPES)},
                {"tier": "gold", "sort": "-name"}, {"priority": "true"}, {"q": self._word()},
                {"country": self.rng.choice(("BR", "MX", "US", "AR", "CO", "CL"))}]

    def _word(self) -> str:
        """The start of a word company names use: what someone types into a search box."""
        return self.rng.choice(names_data.DISTINCTIVE[self.rng.choice(("pt", "es", "en"))]).lower()[:5]

    def _deal(self) -> dict[str, str]:
        """The registration form as a partner fills it in: a new customer named like the demo's accounts."""
        self.registered += 1
        country = names_data.COUNTRIES.get(self.identity.country)
        language = country.language if country else "en"
        pattern, _industry = self.rng.choice(names_data.ACCOUNT_PATTERNS[language])
        name = (f"{pattern.format(d=self.rng.choice(names_data.DISTINCTIVE[language]))} "
                f"{self.rng.choice(country.cities) if country else 'Springfield'} {self.tag}-{self.registered}")
        slug = re.sub(r"[^a-z0-9]+", "", name.lower().encode("ascii", "ignore").decode())
        title = f"{self.rng.choice(DEAL_TITLES)}, {self.rng.randint(20, 500)} seats"
        deal = {"csrf_token": self._csrf(), "title": title,
                "customer_name": name, "customer_website": f"{slug}.{country.tlds[0] if country else 'com'}",
                "customer_country": self.identity.country, "amount": f"{self.rng.randint(5_000, 250_000)}.00",
                "currency": self.identity.currency, "notes": "Registered by bench/load.py.",
                "expected_close_date": (date.today() + timedelta(days=self.rng.randint(20, 180))).isoformat()}
        if self.identity.product_ids:
            deal.update(line_product_0=str(self.rng.choice(self.identity.product_ids)),
                        line_quantity_0=str(self.rng.randint(1, 200)))
        return deal


# One run ------------------------------------------------------------------------------------------------------

def role_counts(users: int) -> dict[str, int]:
    counts = {role: max(1, round(share * users)) for role, (share, _actions) in ROLES.items()}
    counts["partner"] += users - sum(counts.values())  # rounding: the portal's users take the difference
    return counts


async def drive(cast: Cast, base: str, args: argparse.Namespace, server_pid: int, workers: int) -> Run:
    """Sign everyone in, then let them loose for the warm-up and the measured window."""
    recorder, counts = Recorder(), role_counts(args.users)
    identities = [cast.roles[role][i % len(cast.roles[role])] for role, count in counts.items() for i in range(count)]
    users = [VirtualUser(number, identity, cast, base, args, recorder) for number, identity in enumerate(identities)]
    for user in users:  # one after another: signing in is not what is measured (and SQLite refuses some at once)
        await user.sign_in()
    load_start = os.getloadavg()
    recorder.start = time.monotonic() + args.warmup
    recorder.end = recorder.start + args.duration
    lives = [asyncio.create_task(user.live()) for user in users]
    await asyncio.sleep(recorder.start - time.monotonic())
    first = cpu_mark(server_pid)
    await asyncio.sleep(recorder.end - time.monotonic())
    last = cpu_mark(server_pid)
    await asyncio.gather(*lives)  # requests in flight at the end finish (they counted when they started)
    await asyncio.gather(*(user.sign_out() for user in users))
    return Run(workers, counts, recorder, first, last, load_start, os.getloadavg())


def run_with(workers: int, url: str, cast: Cast, args: argparse.Namespace) -> Run:
    started = time.monotonic()
    with served(url, workers, args.port) as server:
        ready_s = time.monotonic() - started
        print(f"{workers} worker(s) ready in {ready_s:.0f} s: {args.users} users for {args.warmup:g} + "
              f"{args.duration:g} s", file=sys.stderr)
        run = asyncio.run(drive(cast, f"http://{LOOPBACK}:{args.port}", args, server.pid, workers))
    run.ready_s = ready_s
    run.tracebacks = (SERVER_DATA / f"server-{workers}w.log").read_text(errors="replace").count("Traceback")
    return run


# Main ---------------------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE, help=f"default {DEFAULT_DATABASE}")
    parser.add_argument("--host", default=LOOPBACK, help="where the server listens: 127.0.0.1, nothing else")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", default="2,4", help="web worker counts, run one after another (default 2,4)")
    parser.add_argument("--users", type=int, default=50, help="virtual users (default 50)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="seconds between a user's requests, ±50 %% (default 3; 0 = saturation)")
    parser.add_argument("--duration", type=float, default=600, help="measured seconds (default 600)")
    parser.add_argument("--warmup", type=float, default=20, help="seconds run first and not counted (default 20)")
    parser.add_argument("--extra-partner-users", type=int, default=12,
                        help="partner users for large-demo partners, made once (default 12)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, help="report file (default bench/results/load-DB[-saturation].md)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.host != LOOPBACK or make_url(args.database_url).host not in (None, LOOPBACK, "localhost"):
        raise SystemExit("bench/load.py runs on loopback only: the server on 127.0.0.1 and a local database")
    url = args.database_url
    cast = prepare(url, args.extra_partner_users, args.seed)
    runs: list[Run] = []
    try:
        for workers in [int(n) for n in args.workers.split(",")]:
            runs.append(run_with(workers, url, cast, args))
    except KeyboardInterrupt:
        print("interrupted: the server is stopped; reporting the runs that finished", file=sys.stderr)
    finally:
        revoke_tokens(url, cast)
    if not runs:
        return 1
    signed_in = (f"managers {', '.join(i.who for i in cast.roles['manager'])}; {len(cast.roles['partner'])} partner "
                 f"users (ana, bruno, dora and bench.partnerNN); API tokens of "
                 f"{', '.join(i.who for i in cast.roles['api'])}")
    text = report(argv, url, signed_in, runs, args)
    print(text)
    out = args.out or RESULTS / f"load-{make_url(url).get_backend_name()}{'' if args.think else '-saturation'}.md"
    out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
