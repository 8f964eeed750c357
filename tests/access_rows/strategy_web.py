"""Access rows of channel strategy (channelbase/strategy/web.py): staff pages. The territory in the URLs is
Brazil (Lucía's, under Latin America): Nathan does not see it (404), partner users are refused (403)."""

from __future__ import annotations

from datetime import date

from tests.access_policies import A_TERRITORY_PAGE, STAFF

ROWS = {
    ("GET", "/strategy"): STAFF,
    ("GET", "/territories/{territory_id}/strategy"): A_TERRITORY_PAGE,
    ("POST", "/territories/{territory_id}/strategy"): A_TERRITORY_PAGE,
}

BODIES = {
    # No strategy exists yet, so no version: the permitted actors write Brazil's strategy for this year.
    ("POST", "/territories/{territory_id}/strategy"): lambda world: dict(
        fiscal_year=str(date.today().year), mix_var="8", mix_msp="3", industries="Government",
        goals="Matrix strategy"),
}
