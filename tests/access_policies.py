"""The access policies of the matrix (tests/test_access_matrix.py): what each actor gets from a route."""

ACTORS = ("anon", "admin", "lucia", "nathan", "ana", "bruno")

# What each actor gets. ok: the action ran (2xx/3xx, or a 409/422 about the data, never about access);
# login: sent to sign in (pages) or 401 (API); 403: not allowed for the role; 404: hidden row.
PUBLIC = dict(anon="ok", admin="ok", lucia="ok", nathan="ok", ana="ok", bruno="ok")
SIGNED_IN = dict(anon="login", admin="ok", lucia="ok", nathan="ok", ana="ok", bruno="ok")
STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="ok", ana="403", bruno="403")
ADMIN = dict(anon="login", admin="ok", lucia="403", nathan="403", ana="403", bruno="403")
# Rows of partner A: its manager and its own users may act; the other manager and partner see nothing.
A_ROW = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="ok", bruno="404")
# Rows of partner A that only staff may change: partner A's own users are refused, others see nothing.
A_ROW_STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="404")
# Linking partner A to a distributor its own users cannot see: the distributor is "not found" to them.
A_LINK_CREATE = {**A_ROW_STAFF, "ana": "404"}
# A territory page for staff: the other manager does not see territory A.
A_TERRITORY_PAGE = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403")
# A territory through the API: partner users see their own partner's territory.
A_TERRITORY_API = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="ok", bruno="404")
A_TERRITORY_ADMIN = ADMIN
# Signing out always lands on the sign-in page.
SIGN_OUT = dict(anon="login", admin="login", lucia="login", nathan="login", ana="login", bruno="login")
# Only the owner of an API token may revoke it (the token in the URL is the admin's).
OWN_TOKEN = dict(anon="login", admin="ok", lucia="404", nathan="404", ana="404", bruno="404")
LOCAL_ONLY = {who: "404" for who in ACTORS}  # answers only this machine or a token: 404 to the test client's address
