"""`channelbase worker`, `channelbase jobs` and `channelbase digest`: background jobs from the terminal."""

from __future__ import annotations

import typer
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors, engine, fail
from channelbase.core.config import get_settings
from channelbase.core.db import make_sessionmaker
from channelbase.engagement import digest, runner
from channelbase.engagement.models import JobStatus

jobs_app = typer.Typer(help="Background jobs: list them, retry failed ones.", no_args_is_help=True)
digest_app = typer.Typer(help="The weekly digest e-mail.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)
    app.add_typer(jobs_app, name="jobs")
    app.add_typer(digest_app, name="digest")


def worker(once: bool = typer.Option(False, "--once", help="Run the jobs due now, then exit."),
           poll: float = typer.Option(None, "--poll", min=0.1, help="Seconds between looks for due jobs "
                                                                     "(default: CHANNELBASE_JOB_POLL_SECONDS)."),
           name: str = typer.Option(None, "--name", help="Worker name shown on the jobs it claims "
                                                         "(default: host:pid).")) -> None:
    """Run background jobs (weekly digests); start several on PostgreSQL, each job runs once.

    Stops cleanly on Ctrl+C or SIGTERM after the job in hand. Set CHANNELBASE_JOBS_IN_WEB=false when
    workers run the jobs, so the web processes leave them alone."""
    from channelbase.core import migrate
    if not migrate.is_at_head(engine()):
        fail("The database is not at the latest schema: run `channelbase db upgrade` first.")
    loop = runner.Worker(make_sessionmaker(engine()), get_settings(), name=name, poll=poll)
    restore = loop.install_signal_handlers()
    if not once:
        console.print(f"Worker {loop.name}: looking for jobs every {loop.poll:g} s; Ctrl+C to stop.",
                      highlight=False)
    try:
        total = loop.run(once=once)
    finally:
        restore()
    console.print(f"Worker {loop.name}: {total.describe()}.", highlight=False)


@jobs_app.command("list")
def jobs_list(status: JobStatus = typer.Option(None, help="Only jobs in this state."),
              kind: str = typer.Option(None, help="Only jobs of this kind, e.g. digest."),
              limit: int = typer.Option(50, min=1, max=1000, help="How many, newest first.")) -> None:
    """List the latest background jobs and how many wait, run, are done or failed."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        found = runner.list_jobs(session, actor, status=status, kind=kind, limit=limit)
        summary = runner.queue_summary(session, actor)
    console.print(" · ".join(f"{count} {state}" for state, count in summary.items()), highlight=False)
    if not found:
        console.print("No jobs.")
        return
    table = Table("id", "kind", "key", "status", "run at (UTC)", "tries", "worker", "last error")
    for job in found:
        table.add_row(str(job.id), job.kind, job.key, job.status, f"{job.run_at:%Y-%m-%d %H:%M}", str(job.attempts),
                      job.claimed_by, job.last_error[:60])
    console.print(table)


@jobs_app.command("retry")
def jobs_retry(job_id: int = typer.Argument(..., help="The job's id (see `channelbase jobs list`).")) -> None:
    """Run a failed job again at the next pass, with a fresh set of attempts."""
    with cli_session() as session, domain_errors():
        job = runner.retry_job(session, cli_actor(session), job_id)
    console.print(f"Job #{job.id} ({job.key}) will run again at the next pass.", highlight=False)


@digest_app.command("send")
def digest_send(to_self: bool = typer.Option(False, "--to-self", help="Send your own digest to yourself."),
                user: str = typer.Option(None, "--user", help="Send this manager's digest to them (admins).")) -> None:
    """Send a weekly digest now, outside the schedule (the acting user is --as, or the first admin)."""
    if to_self == (user is not None):
        fail("Give either --to-self or --user EMAIL.")
    with cli_session() as session, domain_errors():
        sent = digest.send_digest_now(session, cli_actor(session), user, settings=get_settings())
    console.print(f"Sent \u201c{sent.subject}\u201d to {sent.to}.", highlight=False)


@digest_app.command("preview")
def digest_preview(user: str = typer.Option(None, "--user", help="Whose digest (default: the acting user).")) -> None:
    """Print a digest's text without sending it."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        shown = digest.preview_digest(session, actor, user, settings=get_settings())
    console.print(f"Subject: {shown.subject}\n", highlight=False, markup=False)
    console.print(shown.text, highlight=False, markup=False)
