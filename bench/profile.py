"""Profile one request of the app on the benchmark database with pyinstrument.

    .venv/bin/pip install pyinstrument   # a developer tool, not a dependency of the project
    .venv/bin/python bench/profile.py "/partners?status=active&type=var&country=BR" [--as lucia] [--repeat 200]

Run bench/run.py once first (it builds bench/results/bench-large.db). Sync endpoints and
dependencies normally run in worker threads, which pyinstrument cannot see from the main thread,
so this runs them inline on the event loop in the main thread: the numbers are the same work,
minus the thread hand-offs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import anyio.to_thread
import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import PG_DATABASE, PG_SERVER, RESULTS  # noqa: E402

from channelbase.app import create_app  # noqa: E402
from channelbase.auth import service as auth_service  # noqa: E402
from channelbase.auth.models import User  # noqa: E402
from channelbase.core.config import Settings  # noqa: E402
from channelbase.core.db import make_engine, make_sessionmaker, unit_of_work  # noqa: E402


async def _inline(func, *args, **_kwargs):
    return func(*args)


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile one request with pyinstrument.")
    parser.add_argument("path")
    parser.add_argument("--as", dest="actor", default="lucia", help="lucia, nathan or admin (default lucia)")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: .venv/bin/pip install pyinstrument", file=sys.stderr)
        return 2
    url = (f"sqlite:///{RESULTS / f'bench-{args.scale}.db'}" if args.db == "sqlite"
           else f"{PG_SERVER}/{PG_DATABASE}")
    factory = make_sessionmaker(make_engine(url))
    app = create_app(Settings(data_dir=RESULTS / "data", database_url=url, secret_key="bench-" + "x" * 40),
                     session_factory=factory)
    with unit_of_work(factory) as session:
        user = session.scalar(select(User).where(User.email == f"{args.actor}@channelbase.demo"))
        cookie = auth_service.start_session(session, user)
        _token, secret = auth_service.create_api_token(session, user, "profile")
    anyio.to_thread.run_sync = _inline  # everything on this thread, so the profiler sees it
    profiler = Profiler(interval=0.0002)
    asyncio.run(_requests(app, args.path, cookie, secret, args.repeat, profiler))
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


async def _requests(app, path: str, cookie: str, secret: str, repeat: int, profiler) -> None:
    headers = {"Authorization": f"Bearer {secret}"} if path.startswith("/api/") else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers,
                                 cookies={"cb_session": cookie}) as client:
        for _ in range(20):
            (await client.get(path)).raise_for_status()
        profiler.start()
        for _ in range(repeat):
            await client.get(path)
        profiler.stop()


if __name__ == "__main__":
    sys.exit(main())
