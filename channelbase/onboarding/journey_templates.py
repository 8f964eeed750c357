"""Journey templates: the steps a new partner of a type goes through. Admins write them; a journey copies its
template's steps when it starts, so editing a template changes only journeys started afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

import channelbase.onboarding.access  # noqa: F401  (registers the visibility rules of the models read here)
from channelbase.auth.models import User
from channelbase.auth.visibility import get_visible, visible
from channelbase.core import audit
from channelbase.core.base import utcnow
from channelbase.core.errors import Duplicate, NotPermitted
from channelbase.onboarding.models import JourneyTemplate, JourneyTemplateStep
from channelbase.onboarding.schemas import TemplateIn, TemplateUpdate
from channelbase.partners.common import check_version
from channelbase.partners.models import PARTNER_TYPE_LABELS


@dataclass(frozen=True)
class TemplateLine:
    template: JourneyTemplate
    steps: list[JourneyTemplateStep]


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise NotPermitted("Only admins change onboarding templates.")


def _refuse_second_active(session: Session, data: TemplateIn, template_id: int | None = None) -> None:
    if not data.active:
        return
    same_type = (JourneyTemplate.partner_type == data.partner_type.value if data.partner_type
                 else JourneyTemplate.partner_type.is_(None))
    clash = session.scalar(select(JourneyTemplate).where(JourneyTemplate.active.is_(True), same_type,
                                                         JourneyTemplate.id != (template_id or 0)))
    if clash is not None:
        kind = PARTNER_TYPE_LABELS.get(clash.partner_type, clash.partner_type) if clash.partner_type else "any type"
        raise Duplicate(f"“{clash.name}” is already the active template for {kind}: deactivate it first, or "
                        f"save this one as inactive.", field_errors={"partner_type": f"already has “{clash.name}”"})


def _write_steps(session: Session, actor: User, template: JourneyTemplate, data: TemplateIn) -> None:
    for position, step in enumerate(data.steps, start=1):
        row = JourneyTemplateStep(template_id=template.id, position=position, key=step.key, label=step.label,
                                  rule=step.rule.value if step.rule else None)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", row, None)


def create_template(session: Session, actor: User, data: TemplateIn) -> JourneyTemplate:
    """A new template; at most one active template per partner type (and one for any type)."""
    _require_admin(actor)
    _refuse_second_active(session, data)
    template = JourneyTemplate(name=data.name, partner_type=data.partner_type.value if data.partner_type else None,
                               active=data.active)
    session.add(template)
    session.flush()
    audit.record(session, actor, "create", template, None)
    _write_steps(session, actor, template, data)
    return template


def update_template(session: Session, actor: User, template_id: int, data: TemplateUpdate) -> JourneyTemplate:
    """Rename, retype, (de)activate a template and replace its steps; running journeys keep their own steps."""
    _require_admin(actor)
    template = get_visible(session, actor, JourneyTemplate, template_id)
    check_version(session, template, data.version)
    _refuse_second_active(session, data, template.id)
    before = audit.snapshot(template)
    template.name, template.active = data.name, data.active
    template.partner_type = data.partner_type.value if data.partner_type else None
    template.updated_at = utcnow()  # the version moves even when only the steps change
    for old in session.scalars(select(JourneyTemplateStep).where(JourneyTemplateStep.template_id == template.id)):
        audit.record(session, actor, "purge", old, audit.snapshot(old))
        session.delete(old)
    session.flush()  # the old positions are gone before the new ones take them
    audit.record(session, actor, "update", template, before)
    _write_steps(session, actor, template, data)
    return template


def list_templates(session: Session, actor: User) -> list[TemplateLine]:
    """Every template the actor may read with its steps: active first, then by type and name."""
    templates = list(session.scalars(visible(select(JourneyTemplate), actor).order_by(
        JourneyTemplate.active.desc(), JourneyTemplate.partner_type, JourneyTemplate.name)))
    steps: dict[int, list[JourneyTemplateStep]] = {template.id: [] for template in templates}
    if templates:
        for step in session.scalars(visible(select(JourneyTemplateStep), actor)
                                    .where(JourneyTemplateStep.template_id.in_(list(steps)))
                                    .order_by(JourneyTemplateStep.template_id, JourneyTemplateStep.position)):
            steps[step.template_id].append(step)
    return [TemplateLine(template, steps[template.id]) for template in templates]


def template_names(session: Session, actor: User, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(visible(select(JourneyTemplate.id, JourneyTemplate.name), actor, JourneyTemplate)
                                .where(JourneyTemplate.id.in_(list(ids)))).all())
