"""Access rows of the calendar feed (channelbase/engagement/web_calendar.py).

Every signed-in user has their own feed, so the page and its buttons act on the actor's own feed and
never on anyone else's. The .ics URL takes no session: its token is the key, so everyone (signed in
or not) gets the feed of the token in the URL — `feed_token`, an active feed of Lucía's."""

from __future__ import annotations

from tests.access_policies import PUBLIC, SIGNED_IN

ROWS = {
    ("GET", "/calendar"): SIGNED_IN,
    ("POST", "/calendar/feed"): SIGNED_IN,
    ("POST", "/calendar/feed/revoke"): SIGNED_IN,
    ("GET", "/calendar/{feed_token}.ics"): PUBLIC,
}

BODIES = {
    ("POST", "/calendar/feed"): lambda world: {},
    ("POST", "/calendar/feed/revoke"): lambda world: {},
}
