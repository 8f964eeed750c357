"""Access rows of the partner portal (channelbase/portal/*): its pages are for partner users only (an admin
sees them only while viewing as a partner user); the registration and opportunity in the URLs are
partner A's, supplied by the distributor Delta, so Delta's user Dora reads them but does not change them.
Sign-in links are for everyone; inviting, portal admins and announcements are the vendor's.

Invitations in the bodies name addresses that already have accounts: the request reaches the action and
is refused as a duplicate (409), and no e-mail leaves the matrix."""

from __future__ import annotations

from datetime import date

from tests.access_policies import PUBLIC, STAFF

ANON = "login"
# Every partner user reads their own portal; staff are refused (an admin must choose whom to view as).
PORTAL = dict(anon=ANON, admin="403", lucia="403", nathan="403", ana="ok", bruno="ok", dora="ok")
# Partner A's deal, supplied by Delta: partner A's users and Delta's read it; partner B's see nothing.
A_DEAL = dict(anon=ANON, admin="403", lucia="403", nathan="403", ana="ok", bruno="404", dora="ok")
# Changing partner A's deal: only partner A's users (the distributor reads it but may not change it).
A_DEAL_CHANGE = {**A_DEAL, "dora": "403"}
# Inviting a colleague: partner A's portal admin (Ana) may; members of other partners may not.
PORTAL_ADMIN = dict(anon=ANON, admin="403", lucia="403", nathan="403", ana="ok", bruno="403", dora="403")
# Partner A's portal users, for staff: the other region's manager does not see partner A.
A_STAFF = {**STAFF, "nathan": "404", "dora": "403"}
SIGNED_IN_ALL = dict(anon=ANON, admin="ok", lucia="ok", nathan="ok", ana="ok", bruno="ok", dora="ok")
ADMIN_ONLY = dict(anon=ANON, admin="ok", lucia="403", nathan="403", ana="403", bruno="403", dora="403")
STAFF_ALL = {**STAFF, "dora": "403"}
EVERYONE = {**PUBLIC, "dora": "ok"}

ROWS = {
    ("GET", "/portal"): PORTAL,
    ("GET", "/portal/register"): PORTAL,
    # A registration for partner A: its own users, and Delta's on its behalf; to partner B, A is unknown.
    ("POST", "/portal/register"): A_DEAL,
    ("GET", "/portal/registrations"): PORTAL,
    ("GET", "/portal/registrations/{registration_id}"): A_DEAL,
    # Still submitted, so asking for more time is refused as a 409 about its status: the action was reached.
    ("POST", "/portal/registrations/{registration_id}/extension"): A_DEAL_CHANGE,
    ("GET", "/portal/opportunities"): PORTAL,
    ("GET", "/portal/opportunities/{opportunity_id}"): A_DEAL,
    ("POST", "/portal/opportunities/{opportunity_id}"): A_DEAL_CHANGE,
    ("GET", "/portal/team"): PORTAL,
    ("POST", "/portal/team"): PORTAL_ADMIN,
    ("POST", "/portal/language"): PORTAL,
    # Viewing the portal as partner A's Ana: admins only.
    ("POST", "/portal/view-as/{user_id}"): ADMIN_ONLY,
    ("POST", "/portal/view-as-stop"): SIGNED_IN_ALL,
    ("GET", "/login/link"): EVERYONE,
    ("POST", "/login/link"): EVERYONE,
    ("GET", "/login/link/{link_token}"): EVERYONE,
    ("POST", "/login/link/{link_token}"): EVERYONE,
    ("GET", "/partners/{partner_id}/portal-users"): A_STAFF,
    ("POST", "/partners/{partner_id}/portal-users"): A_STAFF,
    ("POST", "/partners/{partner_id}/portal-users/{user_id}/admin"): A_STAFF,
    ("GET", "/announcements"): STAFF_ALL,
    ("POST", "/announcements"): STAFF_ALL,
    ("POST", "/announcements/{announcement_id}/delete"): STAFF_ALL,
}

BODIES = {
    ("POST", "/portal/register"): lambda world: dict(
        partner_id=world.partners["abertas"], title="Matrix portal deal", customer_name="Matrix Cliente S.A.",
        customer_country="BR", amount="1000.00", currency="USD", expected_close_date=date.today().replace(
            year=date.today().year + 1).isoformat()),
    ("POST", "/portal/registrations/{registration_id}/extension"): lambda world: dict(
        version=1, reason="Matrix needs more time"),
    ("POST", "/portal/opportunities/{opportunity_id}"): lambda world: dict(version=1, next_step="Matrix step"),
    ("POST", "/portal/team"): lambda world: dict(name="Bruno Again", email="bruno@nubebravo.mx"),
    ("POST", "/portal/language"): lambda world: dict(language="es"),
    ("POST", "/login/link"): lambda world: dict(email="nobody@matrix.example"),
    ("POST", "/partners/{partner_id}/portal-users"): lambda world: dict(contact_id=world.contacts["ana"]),
    ("POST", "/partners/{partner_id}/portal-users/{user_id}/admin"): lambda world: dict(admin="1"),
    ("POST", "/announcements"): lambda world: dict(title="Matrix news", body="Hello",
                                                   published_on=date.today().isoformat()),
}


def make_ids(db, actor) -> dict[str, int | str]:
    """A fresh sign-in link of Ana's, Ana as her partner's portal admin, and an announcement."""
    from channelbase.portal import announcements, invitations, magic_links
    ana = actor("ana")
    invitations.set_portal_admin(db, actor("admin"), ana, True)
    secret = magic_links.issue(db, ana, magic_links.SIGN_IN)
    item = announcements.publish(db, actor("admin"), announcements.AnnouncementIn(
        title="Matrix", published_on=date.today()))
    db.flush()
    return {"link_token": secret, "announcement_id": item.id}
