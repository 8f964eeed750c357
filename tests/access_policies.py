"""The access policies of the matrix (tests/test_access_matrix.py): what each actor gets from a route."""

ACTORS = ("anon", "admin", "lucia", "nathan", "ana", "bruno", "dora")

# What each actor gets. ok: the action ran (2xx/3xx, or a 409/422 about the data, never about access);
# login: sent to sign in (pages) or 401 (API); 403: not allowed for the role; 404: hidden row.
# dora is a user of Distribuidora Delta, the distributor linked to partner A: she sees partner A's deals that
# name Delta (not hidden from it), never partner A's own record, contacts, accounts or the vendor's notes.
PUBLIC = dict(anon="ok", admin="ok", lucia="ok", nathan="ok", ana="ok", bruno="ok", dora="ok")
SIGNED_IN = dict(anon="login", admin="ok", lucia="ok", nathan="ok", ana="ok", bruno="ok", dora="ok")
STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="ok", ana="403", bruno="403", dora="403")
ADMIN = dict(anon="login", admin="ok", lucia="403", nathan="403", ana="403", bruno="403", dora="403")
# Rows of partner A: its manager and its own users may act; the other manager and partner see nothing, nor
# does partner A's distributor (a link shares deals, not the reseller's record).
A_ROW = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="ok", bruno="404", dora="404")
# Rows of partner A that only staff may change: partner A's own users are refused, others see nothing.
A_ROW_STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="404", dora="404")
# Linking partner A to a distributor its own users cannot see: the distributor is "not found" to them (and
# partner A, the reseller, is "not found" to the distributor's users).
A_LINK_CREATE = {**A_ROW_STAFF, "ana": "404"}
# The Delta -> partner A link: both ends' users see it, and are refused as partner users.
A_LINK = {**A_ROW_STAFF, "dora": "403"}
# Partner A's registration and opportunity in the URLs name Delta and are not hidden from it: Delta reads them.
A_DEAL = {**A_ROW, "dora": "ok"}
# Registering a deal for partner A: a distributor's users register on behalf of the resellers it supplies.
A_DEAL_REGISTER = {**A_ROW, "dora": "ok"}
# Changing partner A's deal: only the selling partner's users (and staff) edit it or ask for more time; the
# distributor sees the deal, so it is refused (403), not told it does not exist.
A_DEAL_EDIT = {**A_ROW, "dora": "403"}
# Staff-only actions on partner A's deal: the distributor sees the deal and is refused as a partner user.
A_DEAL_STAFF = {**A_ROW_STAFF, "dora": "403"}
# A territory page for staff: the other manager does not see territory A.
A_TERRITORY_PAGE = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")
# A territory through the API: partner users see their own partner's territory (Delta is in Brazil too).
A_TERRITORY_API = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="ok", bruno="404", dora="ok")
A_TERRITORY_ADMIN = ADMIN
# Signing out always lands on the sign-in page.
SIGN_OUT = {who: "login" for who in ACTORS}
# Only the owner of an API token may revoke it (the token in the URL is the admin's).
OWN_TOKEN = dict(anon="login", admin="ok", lucia="404", nathan="404", ana="404", bruno="404", dora="404")
LOCAL_ONLY = {who: "404" for who in ACTORS}  # answers only this machine or a token: 404 to the test client's address
