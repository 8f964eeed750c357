"""Access rows of the deal-registration pages (channelbase/deals/web_registrations.py).

The registration in the URLs is partner A's (Soluções Abertas, Brazil), still submitted: approving or
rejecting it runs; extending, converting or asking for more time is refused as a 409 about its status,
which the matrix counts as reaching the action."""

from __future__ import annotations

from datetime import date, timedelta

from tests.access_policies import A_DEAL, A_DEAL_EDIT, A_DEAL_REGISTER, A_DEAL_STAFF, SIGNED_IN

BASE = "/registrations/{registration_id}"

ROWS = {
    ("GET", "/registrations"): SIGNED_IN,
    ("GET", "/registrations/new"): SIGNED_IN,
    ("GET", "/registrations/new/accounts"): SIGNED_IN,
    ("GET", "/registrations/new/distributors"): SIGNED_IN,
    # A registration for partner A: its manager, the admin, its own users and its distributor's users (on
    # its behalf) may; the other manager and the other partner's users are told partner A does not exist.
    ("POST", "/registrations"): A_DEAL_REGISTER,
    # The registration names Delta: its distributor's users read it, and are refused the staff's decisions.
    ("GET", BASE): A_DEAL,
    ("POST", BASE + "/approve"): A_DEAL_STAFF,
    ("POST", BASE + "/reject"): A_DEAL_STAFF,
    ("POST", BASE + "/extend"): A_DEAL_STAFF,
    ("POST", BASE + "/convert"): A_DEAL_STAFF,
    # The registering partner's users ask for more time (staff may too); the distributor is refused, others
    # see nothing.
    ("POST", BASE + "/request-extension"): A_DEAL_EDIT,
}

BODIES = {
    ("POST", "/registrations"): lambda world: dict(
        partner_id=world.partners["abertas"], title="Matrix deal", customer_name="Matrix Cliente S.A.",
        customer_country="BR", amount="1000.00", currency="USD",
        expected_close_date=(date.today() + timedelta(days=30)).isoformat()),
    ("POST", BASE + "/approve"): lambda world: dict(version=1, note="Matrix approval"),
    ("POST", BASE + "/reject"): lambda world: dict(version=1, reason="Matrix rejection"),
    ("POST", BASE + "/extend"): lambda world: dict(version=1, days=30),
    ("POST", BASE + "/convert"): lambda world: dict(version=1),
    ("POST", BASE + "/request-extension"): lambda world: dict(version=1, reason="Matrix needs more time"),
}
