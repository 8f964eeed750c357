"""The `channelbase` command line: one Typer app mounting each domain's commands."""

from __future__ import annotations

import sys

import typer
from alembic.util import CommandError
from sqlalchemy.exc import OperationalError
from rich.table import Table

from channelbase.auth import service as auth_service
from channelbase.auth.passwords import PASSWORD_RULES
from channelbase.cli_support import (
    cli_actor, cli_session, console, domain_errors, engine, fail, set_acting_email,
)
from channelbase.core.config import ConfigError, get_settings
from channelbase.core.db import settle_after_bulk_load

app = typer.Typer(help="Channelbase: partner relationship management for channel sales teams.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Users, roles and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")


@app.callback()
def _global(as_email: str = typer.Option(None, "--as", help="Act as this user (default: the first admin).")) -> None:
    set_acting_email(as_email)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from channelbase.core import migrate
    migrate.upgrade(engine(), revision)
    console.print(f"Database at revision {migrate.current_revision(engine())}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base.")) -> None:
    """Revert migrations down to REVISION."""
    from channelbase.core import migrate
    migrate.downgrade(engine(), revision)
    console.print(f"Database at revision {migrate.current_revision(engine()) or 'base'}.")


@db_app.command("current")
def db_current() -> None:
    """Show the database's revision and whether it is the latest."""
    from channelbase.core import migrate
    current = migrate.current_revision(engine())
    state = "up to date" if current == migrate.head_revision() else f"behind (latest is {migrate.head_revision()})"
    console.print(f"{current or 'empty'}: {state}")


@db_app.command("review")
def db_review() -> None:
    """List the migrations' statements that lock a big table or break old workers; exit 1 if any is not reviewed."""
    from channelbase.core import migration_review
    flags = migration_review.review()
    for flag in flags:
        console.print(migration_review.describe(flag), markup=False, highlight=False, soft_wrap=True)
    unreviewed = sum(flag.reason is None for flag in flags)
    console.print(f"{len(flags)} flagged statements, {unreviewed} NOT REVIEWED.", markup=False, highlight=False)
    if unreviewed:
        raise typer.Exit(1)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
          port: int = typer.Option(8000, help="Port to listen on."),
          workers: int = typer.Option(1, min=1, help="Worker processes (about one per core; they share nothing "
                                                     "but the database)."),
          reload: bool = typer.Option(False, help="Reload on code changes (development).")) -> None:
    """Run the web app and the API."""
    import uvicorn

    from channelbase.core import migrate
    from channelbase.ops import logs, metrics
    settings = get_settings()
    if not migrate.is_at_head(engine()):
        fail("The database is not at the latest schema: run `channelbase db upgrade` first.")
    logs.configure(settings)
    metrics.prepare_for_workers(settings, workers)
    console.print(f"Channelbase on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    # X-Forwarded-* are handled inside the app (CHANNELBASE_TRUSTED_PROXIES), so uvicorn leaves them alone.
    # Idle keep-alive connections close after 5 s. On SIGTERM a worker stops accepting and has 30 s to
    # finish the requests in hand: a deploy drains old workers this way (docs/deploy.md).
    uvicorn.run("channelbase.asgi:app", host=host, port=port, workers=workers, reload=reload,
                proxy_headers=False, timeout_keep_alive=5, timeout_graceful_shutdown=30,
                # A worker loading the app on a busy machine can take more than uvicorn's default 5 s to
                # answer the supervisor's first health check; it was killed and restarted in a loop.
                timeout_worker_healthcheck=30,
                log_config=logs.uvicorn_log_config(settings), access_log=False, log_level=settings.log_level)


@app.command()
def demo(scale: str = typer.Option("small", help="small, medium or large."),
         seed: int = typer.Option(7, help="Random seed: the same seed gives the same data."),
         reset: bool = typer.Option(False, help="Delete existing directory data first."),
         if_empty: bool = typer.Option(False, help="Do nothing if the database already has users.")) -> None:
    """Load deterministic demo data: territories, users, partners, contacts, accounts, products, FX rates."""
    from channelbase.demo.generator import SCALES, generate
    from channelbase.demo.world import DEMO_PASSWORD, demo_logins
    if scale not in SCALES:
        fail(f"Unknown scale '{scale}': use one of {', '.join(SCALES)}.")
    with cli_session() as session, domain_errors():
        if if_empty and auth_service.any_user(session):
            console.print("The database already has data; demo not loaded again. Demo sign-ins "
                          f"(password {DEMO_PASSWORD}), if you loaded the demo before:")
            for role, email, sees in demo_logins():
                console.print(f"  {role:8} {email:32} sees {sees}", highlight=False)
            return
        summary = generate(session, scale=scale, seed=seed, reset=reset, progress=console)
    settle_after_bulk_load(engine())
    console.print(summary.describe())


@users_app.command("create")
def users_create(email: str, role: str = typer.Option(..., help="admin, manager or partner."),
                 name: str = typer.Option("", help="Full name."),
                 partner_id: int = typer.Option(None, help="The partner a partner user belongs to."),
                 password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True,
                                              help=PASSWORD_RULES)) -> None:
    """Create a user."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session) if auth_service.any_user(session) else None
        user = auth_service.create_user(session, actor, email=email, name=name or email, role=role,
                                        password=password, partner_id=partner_id)
    console.print(f"Created {user.role} {user.email} (#{user.id}).")


@users_app.command("list")
def users_list() -> None:
    """List users."""
    with cli_session() as session:
        users = auth_service.list_users(session, cli_actor(session))
    table = Table("id", "email", "name", "role", "partner", "active")
    for u in users:
        table.add_row(str(u.id), u.email, u.name, u.role, str(u.partner_id or ""), "yes" if u.is_active else "no")
    console.print(table)


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Disable a user: they can no longer sign in, and their sessions and tokens end."""
    with cli_session() as session, domain_errors():
        auth_service.set_active(session, cli_actor(session), email, False)
    console.print(f"Disabled {email}.")


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Enable a disabled user."""
    with cli_session() as session, domain_errors():
        auth_service.set_active(session, cli_actor(session), email, True)
    console.print(f"Enabled {email}.")


@users_app.command("unlock")
def users_unlock(email: str) -> None:
    """Lift the lock that repeated failed sign-ins put on a user's password sign-in."""
    with cli_session() as session, domain_errors():
        lifted = auth_service.unlock(session, cli_actor(session), auth_service.user_with_email(session, email))
    console.print(f"Unlocked {email}." if lifted else f"{email} was not locked.")


@users_app.command("token")
def users_token(email: str, name: str = typer.Option("cli", help="What the token is for.")) -> None:
    """Create a personal API token for EMAIL and print it once."""
    with cli_session() as session, domain_errors():
        cli_actor(session)
        user = auth_service.active_user_by_email(session, email)
        if user is None:
            fail(f"No active user {email}.")
        _token, secret = auth_service.create_api_token(session, user, name)
    console.print(secret, highlight=False)


def _mount_domains() -> None:
    from channelbase.partners.cli import register
    register(app)
    from channelbase.deals import cli as deals_cli; deals_cli.register(app)  # noqa: E702 (one line)
    from channelbase.deals import cli_deals; cli_deals.register(app)  # noqa: E702 (one line)
    from channelbase.matching import cli as matching_cli; matching_cli.register(app)  # noqa: E702 (one line)
    from channelbase.engagement import cli as engagement_cli; engagement_cli.register(app)  # noqa: E702 (one line)
    from channelbase.engagement import cli_jobs; cli_jobs.register(app)  # noqa: E702 (one line)
    from channelbase.ops import cli as ops_cli; ops_cli.register(app)  # noqa: E702 (one line)
    from channelbase.imports import cli as imports_cli; imports_cli.register(app)  # noqa: E702 (one line)
    from channelbase.webhooks import cli as webhooks_cli; webhooks_cli.register(app)  # noqa: E702 (one line)
    from channelbase.sellout import cli as sellout_cli; sellout_cli.register(app)  # noqa: E702 (one line)
    from channelbase.growth import cli as growth_cli; growth_cli.register(app)  # noqa: E702 (one line)
    from channelbase.enablement import cli as trainings_cli; trainings_cli.register(app)  # noqa: E702 (one line)


def main() -> None:
    try:
        get_settings()
        _mount_domains()
        app()
    except ConfigError as exc:
        print(f"channelbase: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)
    except CommandError as exc:  # Alembic: an unknown revision, a broken migration chain
        print(f"channelbase: {exc}", file=sys.stderr)
        sys.exit(1)
    except OperationalError as exc:  # the database is down, refuses the login, or is locked
        print(f"channelbase: the database could not be used: {_first_line(exc)}", file=sys.stderr)
        sys.exit(1)


def _first_line(exc: OperationalError) -> str:
    """The driver's own message, without SQLAlchemy's SQL echo and help link."""
    return str(exc.orig or exc).strip().splitlines()[0]
