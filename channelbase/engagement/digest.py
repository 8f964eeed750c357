"""The weekly digest: each manager's My day by e-mail, action first ("3 priority partners overdue, 2
registrations expiring this week, …"), then the items with links back into Channelbase.

`schedule_digests` stores one `digest` job per active manager and ISO week once that week's send
time (CHANNELBASE_DIGEST_WEEKDAY at CHANNELBASE_DIGEST_HOUR UTC) has passed; the job key holds the
week, so however many processes schedule, each manager gets one digest a week. A manager with nothing
to act on still gets a short "all clear" digest: silence would look like a broken job."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from typing import Any

from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from channelbase.auth.models import Role, User
from channelbase.auth.service import active_user_by_email
from channelbase.core.base import utcnow
from channelbase.core.config import Settings, get_settings
from channelbase.core.errors import NotFound, NotPermitted
from channelbase.core.mail import Mail, send_mail
from channelbase.engagement import jobs
from channelbase.engagement.agenda import Agenda, my_day
from channelbase.engagement.models import Job

KIND = "digest"
ITEMS_PER_SECTION = 10
# How each section reads in the summary line: (one, many).
PHRASES: dict[str, tuple[str, str]] = {
    "cadence": ("partner to contact", "partners to contact"),
    "tasks": ("task due", "tasks due"),
    "decisions": ("registration awaiting your decision", "registrations awaiting your decision"),
    "expiring": ("registration expiring this week", "registrations expiring this week"),
    "stalled": ("stalled deal", "stalled deals"),
    "past_close": ("deal past its close date", "deals past their close date"),
    "closing": ("deal closing this month", "deals closing this month"),
    "week": ("training or event this week", "trainings and events this week"),
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# The settings a job handler uses: set by the runner around the jobs it runs (tests pass their own).
current_settings: ContextVar[Settings | None] = ContextVar("digest_settings", default=None)


# Scheduling ----------------------------------------------------------------------------------------

def week_label(moment: datetime) -> str:
    year, week, _ = moment.astimezone(timezone.utc).isocalendar()
    return f"{year}-W{week:02d}"


def job_key(user_id: int, moment: datetime) -> str:
    return f"{KIND}:{user_id}:{week_label(moment)}"


def send_time(moment: datetime, settings: Settings) -> datetime:
    """When this ISO week's digests go out: the configured weekday and hour, in UTC."""
    year, week, _ = moment.astimezone(timezone.utc).isocalendar()
    day = date.fromisocalendar(year, week, settings.digest_weekday + 1)
    return datetime.combine(day, time(settings.digest_hour), timezone.utc)


def schedule_digests(session: Session, now: datetime | None = None, *, settings: Settings | None = None) -> int:
    """Enqueue this week's digest of every active manager once its send time has passed; returns how
    many jobs were new (0 when another process scheduled them first)."""
    now = now or utcnow()
    settings = settings or get_settings()
    return enqueue_digests(session, managers_to_schedule(session, now, settings=settings), now, settings=settings)


def managers_to_schedule(session: Session, now: datetime, *, settings: Settings) -> list[int]:
    """Active managers whose digest for this week is due but not yet queued (none before the send time).

    Read apart from `enqueue_digests` so a poll that finds everything queued writes nothing, and so the
    writing transaction starts with its first write (SQLite cannot turn a read into a write once
    another process has written)."""
    if now < send_time(now, settings):
        return []
    managers = list(session.scalars(select(User.id).where(User.role == Role.MANAGER, User.is_active.is_(True))
                                    .order_by(User.id)))
    queued: set[str] = set()
    for start in range(0, len(managers), 1000):
        keys = [job_key(user_id, now) for user_id in managers[start:start + 1000]]
        queued.update(session.scalars(select(Job.key).where(Job.key.in_(keys))))
    return [user_id for user_id in managers if job_key(user_id, now) not in queued]


def enqueue_digests(session: Session, user_ids: list[int], now: datetime, *, settings: Settings) -> int:
    due, week = send_time(now, settings), week_label(now)
    return sum(jobs.enqueue(session, KIND, job_key(user_id, now), {"user_id": user_id, "week": week}, run_at=due)
               for user_id in user_ids)


@jobs.handler(KIND)
def run_digest_job(session: Session, payload: dict[str, Any]) -> None:
    """Send one manager's digest; a manager disabled (or demoted) since scheduling gets none."""
    user = session.get(User, payload["user_id"])
    if user is None or not user.is_active or not user.is_staff:
        return
    send_digest(session, user, settings=current_settings.get() or get_settings())


# Composing and sending -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Digest:
    to: str
    subject: str
    summary: list[str]
    agenda: Agenda
    text: str
    html: str

    def mail(self) -> Mail:
        return Mail(to=self.to, subject=self.subject, text=self.text, html=self.html)


def summary_of(agenda: Agenda) -> list[str]:
    """The action-first lines: overdue priority partners, then each section's count, largest piles first."""
    lines = []
    behind = agenda.coverage.total - agenda.coverage.within
    if behind:
        lines.append(f"{behind} priority partner{'s' if behind != 1 else ''} overdue")
    for section in agenda.sections:
        if section.total:
            one, many = PHRASES.get(section.key, (section.title.lower(), section.title.lower()))
            lines.append(f"{section.count_label} {one if section.total == 1 else many}")
    return lines


def compose_digest(session: Session, user: User, *, settings: Settings, now: datetime | None = None) -> Digest:
    agenda = my_day(session, user, now=now, limit=ITEMS_PER_SECTION)
    summary = summary_of(agenda)
    subject = "Your week in Channelbase: " + (", ".join(summary[:3]) + (", …" if len(summary) > 3 else "")
                                              if summary else "all clear")
    context = {"user": user, "agenda": agenda, "summary": summary, "base": settings.base_url,
               "weekday": WEEKDAYS[settings.digest_weekday], "coverage": agenda.coverage,
               "sections": [s for s in agenda.sections if s.total]}
    return Digest(to=user.email, subject=subject, summary=summary, agenda=agenda,
                  text=_TEXT.render(context), html=_HTML.render(context))


def send_digest(session: Session, user: User, *, settings: Settings, now: datetime | None = None) -> Digest:
    digest = compose_digest(session, user, settings=settings, now=now)
    send_mail(settings, digest.mail())
    return digest


def send_digest_now(session: Session, actor: User, email: str | None = None, *, settings: Settings) -> Digest:
    """Send a digest right away: the actor's own, or (admins only) another staff user's, to them."""
    return send_digest(session, _digest_user(session, actor, email), settings=settings)


def preview_digest(session: Session, actor: User, email: str | None = None, *, settings: Settings) -> Digest:
    """A digest as it would be sent now, without sending it."""
    return compose_digest(session, _digest_user(session, actor, email), settings=settings)


def _digest_user(session: Session, actor: User, email: str | None) -> User:
    user = actor
    if email is not None and email.strip().lower() != actor.email.lower():
        if not actor.is_admin:
            raise NotPermitted("Only admins may send or read another user's digest.")
        found = active_user_by_email(session, email)
        if found is None:
            raise NotFound(f"No active user {email}.")
        user = found
    if not user.is_staff:
        raise NotPermitted(f"Digests are for channel managers and admins; {user.email} is a partner user.")
    return user


_ENV = Environment(autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
_TEXT = _ENV.from_string("""\
Hello {{ user.name }},

{% if summary %}
This week: {{ summary | join(", ") }}.
{% else %}
All clear: nothing needs you this week. Nice work.
{% endif %}
{% if coverage.total %}
Cadence coverage: {{ coverage.within }} of your {{ coverage.total }} priority partners are within cadence ({{ coverage.percent }}%).
{% endif %}
{% for section in sections %}

{{ section.title | upper }} ({{ section.count_label }})
{% for item in section.items %}
- {% if item.partner_name and item.partner_name != item.title %}{{ item.partner_name }}: {% endif %}{{ item.title }}{% if item.overdue %} [overdue]{% endif %}

  {{ item.detail }}
  {{ base }}{{ item.url }}
{% endfor %}
{% if section.total > section.items | length and section.more_url %}
  …and {{ section.total - section.items | length }} more: {{ base }}{{ section.more_url }}
{% endif %}
{% endfor %}

Open My day to act on all of it: {{ base }}/today

You get this digest every {{ weekday }}.
""")

_HTML = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True).from_string("""\
<!doctype html>
<html><body style="font-family: system-ui, sans-serif; color: #1d2939; max-width: 40rem">
<p>Hello {{ user.name }},</p>
{% if summary %}
<p style="font-size: 1.1rem"><strong>This week: {{ summary | join(", ") }}.</strong></p>
{% else %}
<p style="font-size: 1.1rem"><strong>All clear: nothing needs you this week.</strong> Nice work.</p>
{% endif %}
{% if coverage.total %}
<p>Cadence coverage: {{ coverage.within }} of your {{ coverage.total }} priority partners are within cadence
({{ coverage.percent }}%).</p>
{% endif %}
{% for section in sections %}
<h2 style="font-size: 1rem; margin-top: 1.5rem">{{ section.title }} ({{ section.count_label }})</h2>
<ul>
{% for item in section.items %}
  <li><a href="{{ base }}{{ item.url }}">{% if item.partner_name and item.partner_name != item.title %}{{ item.partner_name }}: {% endif %}{{ item.title }}</a>{% if item.overdue %} <strong style="color: #b42318">overdue</strong>{% endif %}<br>
    <span style="color: #667085">{{ item.detail }}</span></li>
{% endfor %}
</ul>
{% if section.total > section.items | length and section.more_url %}
<p><a href="{{ base }}{{ section.more_url }}">…and {{ section.total - section.items | length }} more</a></p>
{% endif %}
{% endfor %}
<p><a href="{{ base }}/today" style="font-weight: bold">Open My day</a> to act on all of it.</p>
<p style="color: #667085; font-size: .85rem">You get this digest every {{ weekday }}.</p>
</body></html>
""")

