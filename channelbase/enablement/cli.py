"""`channelbase trainings`: upcoming sessions, enrolment by e-mail, certifications and renewal reminders."""

from __future__ import annotations

import typer
from rich.table import Table

from channelbase.cli_support import cli_actor, cli_session, console, domain_errors
from channelbase.enablement import catalogue, certifications, enrolments
from channelbase.enablement.models import COURSE_KIND_LABELS, CourseKind
from channelbase.partners import service as partners

trainings_app = typer.Typer(help="Courses, sessions, enrolments and certifications.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(trainings_app, name="trainings")


@trainings_app.command("sessions")
def sessions_command(language: str = typer.Option(None, help="Only courses in en, es or pt.")):
    """Upcoming sessions, soonest first, with seats left and the waitlist."""
    with cli_session() as session:
        lines = catalogue.upcoming_sessions(session, cli_actor(session), language=language)
        if not lines:
            console.print("No upcoming sessions: schedule one on the Trainings page.")
            return
        table = Table("Id", "Starts (UTC)", "Course", "Kind", "Lang", "Where", "Seats left", "Waiting")
        for line in lines:
            training = line.training
            table.add_row(str(training.id), f"{training.starts_at:%Y-%m-%d %H:%M}", line.course.name,
                          COURSE_KIND_LABELS.get(CourseKind(line.course.kind), line.course.kind), line.course.language,
                          training.location or training.url, f"{line.seats_left}/{training.capacity}",
                          str(line.waitlisted))
        console.print(table)


@trainings_app.command("enrol")
def enrol_command(session_id: int = typer.Argument(..., help="The session's id (see `trainings sessions`)."),
                  email: str = typer.Argument(..., help="The e-mail of a partner contact you see.")):
    """Enrol a partner's contact; a full session puts them on the waitlist."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        contact = enrolments.contact_by_email(session, actor, email)
        enrolment = enrolments.enrol(session, actor, session_id, contact.id)
        where = "on the waitlist" if enrolment.status == "waitlisted" else "enrolled"
        console.print(f"{contact.name} is {where} in session #{session_id} (enrolment #{enrolment.id}).")


@trainings_app.command("certifications")
def certifications_command(partner_id: int = typer.Argument(..., help="The partner's id.")):
    """A partner's certifications, soonest to lapse first."""
    with cli_session() as session, domain_errors():
        actor = cli_actor(session)
        partner = partners.get_partner(session, actor, partner_id)
        lines = certifications.certifications_of_partner(session, actor, partner_id)
        if not lines:
            console.print(f"{partner.name} holds no certifications yet.")
            return
        table = Table("Person", "Course", "Certified", "Expires")
        for line in lines:
            expires = line.certification.expires_on
            table.add_row(line.contact.name, line.course.name, f"{line.certification.certified_on}",
                          f"{expires}" if expires else "never")
        console.print(table)


@trainings_app.command("remind")
def remind_command(days: int = typer.Option(certifications.REMIND_DAYS, min=1, max=365,
                                            help="Certifications lapsing within this many days.")):
    """Make the renewal tasks now (the job runner does it daily); running it twice adds nothing."""
    with cli_session() as session:
        made = certifications.remind_expiring(session, days=days)
        console.print(f"{made} renewal task{'s' if made != 1 else ''} made.")
