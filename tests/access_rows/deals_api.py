"""Access rows of the deal API: registrations, opportunities, pipeline totals, stages and programs."""

from __future__ import annotations

from datetime import timedelta

from channelbase.core.base import utcnow
from tests.access_policies import A_DEAL, A_DEAL_EDIT, A_DEAL_STAFF, A_ROW, ADMIN, SIGNED_IN

# Staff-only actions on partner A's rows: the role is checked before the row, so every partner user hears
# 403 (it learns nothing about the row); the other manager does not see the row (404).
A_ROW_DECIDE = {**A_DEAL_STAFF, "bruno": "403"}

API = "/api/v1"
REG = f"{API}/registrations/{{registration_id}}"
OPP = f"{API}/opportunities/{{opportunity_id}}"

ROWS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", f"{API}/registrations"): SIGNED_IN,
    # Partner A's users register for their own partner; others cannot see partner A or its account (its
    # distributor may register on partner A's behalf, but not for partner A's own account, named in the body).
    ("POST", f"{API}/registrations"): A_ROW,
    # Partner A's deals name Delta: its distributor's users read them, but only the selling partner edits.
    ("GET", REG): A_DEAL,
    ("GET", f"{REG}/conflicts"): A_DEAL_STAFF,
    ("POST", f"{REG}/approve"): A_ROW_DECIDE,
    ("POST", f"{REG}/reject"): A_ROW_DECIDE,
    ("POST", f"{REG}/extend"): A_ROW_DECIDE,
    ("POST", f"{REG}/request-extension"): A_DEAL_EDIT,
    ("POST", f"{REG}/convert"): A_ROW_DECIDE,
    ("GET", f"{API}/opportunities"): SIGNED_IN,
    ("POST", f"{API}/opportunities"): A_ROW_DECIDE,
    ("GET", OPP): A_DEAL,
    ("PATCH", OPP): A_DEAL_EDIT,
    ("POST", f"{OPP}/move"): A_DEAL_EDIT,
    ("GET", f"{OPP}/history"): A_DEAL,
    ("GET", f"{API}/pipeline/totals"): SIGNED_IN,
    ("GET", f"{API}/stages"): SIGNED_IN,
    ("POST", f"{API}/stages"): ADMIN,
    ("PATCH", f"{API}/stages/{{stage_id}}"): ADMIN,
    ("GET", f"{API}/programs"): SIGNED_IN,
    ("POST", f"{API}/programs"): ADMIN,
    ("PATCH", f"{API}/programs/{{program_id}}"): ADMIN,
}


def _close() -> str:
    return (utcnow().date() + timedelta(days=30)).isoformat()


BODIES = {
    ("POST", f"{API}/registrations"): lambda world: dict(
        partner_id=world.partners["abertas"], title="Matrix deal", account_id=world.accounts["abertas"],
        amount="1000.00", currency="USD", expected_close_date=_close()),
    ("POST", f"{REG}/approve"): lambda world: dict(version=1),
    ("POST", f"{REG}/reject"): lambda world: dict(version=1, reason="Matrix reason"),
    ("POST", f"{REG}/extend"): lambda world: dict(version=1, days=10),
    ("POST", f"{REG}/request-extension"): lambda world: dict(version=1, reason="Matrix reason"),
    ("POST", f"{REG}/convert"): lambda world: dict(version=1),
    ("POST", f"{API}/opportunities"): lambda world: dict(
        name="Matrix opportunity", account_id=world.accounts["brazil"], partner_id=world.partners["abertas"],
        amount="1000.00", currency="USD", close_date=_close()),
    ("PATCH", OPP): lambda world: dict(version=1, next_step="Matrix step"),
    ("POST", f"{OPP}/move"): lambda world: dict(version=1, stage="propose"),
    ("POST", f"{API}/stages"): lambda world: dict(key="matrix", name="Matrix", position=45, probability=50),
    ("PATCH", f"{API}/stages/{{stage_id}}"): lambda world: dict(version=1, name="Qualify"),
    ("POST", f"{API}/programs"): lambda world: dict(name="Matrix program"),
    ("PATCH", f"{API}/programs/{{program_id}}"): lambda world: dict(version=1, registration_days=120),
}
