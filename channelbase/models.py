"""One import point for every domain's models (Alembic and the tests use it)."""

from channelbase.auth.models import ApiToken, LoginAttempt, Role, User, WebSession
from channelbase.core.audit import AuditEntry
from channelbase.core.base import Base
from channelbase.deals.models import (
    FxRate, Opportunity, OpportunityProduct, PipelineRollup, Product, ProductPrice, Program, Registration,
    RegistrationProduct, Stage, StageChange,
)
from channelbase.growth.models import FiscalCalendar, ForecastCall, PlanRate, Quota
from channelbase.imports.models import ExternalId, ImportMapping, ImportRun
from channelbase.engagement.models import Activity, CadenceRule, CalendarFeed, Job, Task
from channelbase.enablement.models import Certification, Course, Enrolment, TrainingSession
import channelbase.recruitment.models  # noqa: F401  (coverage targets, recruitment, applications)
import channelbase.onboarding.models  # noqa: F401  (journeys)
import channelbase.events.models  # noqa: F401  (events, attendees, leads)
import channelbase.plans.models  # noqa: F401  (joint business plans)
import channelbase.surveys.models  # noqa: F401  (satisfaction surveys)
import channelbase.health.models  # noqa: F401  (health weights and snapshots)
import channelbase.strategy.models  # noqa: F401  (territory strategies)
from channelbase.portal.models import AccountLock, Announcement, MagicLink, PortalAdmin
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory
from channelbase.webhooks.models import WebhookDelivery, WebhookSubscription
from channelbase.sellout.models import SelloutAlias, SelloutFile, SelloutFileContent, SelloutLine, SelloutMapping

__all__ = [
    "Certification", "Course", "Enrolment", "TrainingSession",
    "AccountLock", "Announcement", "MagicLink", "PortalAdmin",
    "FiscalCalendar", "ForecastCall", "PlanRate", "Quota",
    "SelloutAlias", "SelloutFile", "SelloutFileContent", "SelloutLine", "SelloutMapping",
    "Account", "Activity", "ExternalId", "ImportMapping", "ImportRun", "ApiToken", "CadenceRule", "CalendarFeed", "Job", "Task", "AuditEntry", "Base", "Contact", "FxRate", "LoginAttempt", "Opportunity",
    "OpportunityProduct", "Partner", "PartnerLink", "PipelineRollup", "Product", "ProductPrice", "Program", "Registration",
    "RegistrationProduct", "Role", "Stage", "StageChange", "Territory", "User", "WebSession",
    "WebhookDelivery", "WebhookSubscription",
]
