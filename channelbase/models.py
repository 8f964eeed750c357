"""One import point for every domain's models (Alembic and the tests use it)."""

from channelbase.auth.models import ApiToken, LoginAttempt, Role, User, WebSession
from channelbase.core.audit import AuditEntry
from channelbase.core.base import Base
from channelbase.deals.models import FxRate, Product, ProductPrice
from channelbase.partners.models import Account, Contact, Partner, PartnerLink, Territory

__all__ = [
    "Account", "ApiToken", "AuditEntry", "Base", "Contact", "FxRate", "LoginAttempt", "Partner",
    "PartnerLink", "Product", "ProductPrice", "Role", "Territory", "User", "WebSession",
]
