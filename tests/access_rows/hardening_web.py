"""Access rows of sign-in hardening (channelbase/auth/users_web.py, channelbase/auth/web.py).

Unlocking an account is for admins (partner A's user in the URL is not locked, so the admin's request is
a no-op that still reaches the action). Signing out everywhere, like signing out, always lands on the
sign-in page: for the anonymous visitor because they must sign in first, for everyone else afterwards."""

from __future__ import annotations

from tests.access_policies import ADMIN, SIGN_OUT

ROWS = {
    ("POST", "/users/{user_id}/unlock"): ADMIN,
    ("POST", "/account/sessions/end-all"): SIGN_OUT,
}
