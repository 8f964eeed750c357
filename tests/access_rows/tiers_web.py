"""Access rows of tier requirements and compliance (channelbase/enablement/web_tiers.py): staff read the
requirements and the compliance view (each manager for the partners of their territories), admins change the
requirements; moving partner A to another tier and its enablement panel are for the staff who see partner A."""

from __future__ import annotations

from tests.access_policies import ADMIN, STAFF

# Partner A's rows for staff only: partner users are refused before any lookup, the other region's manager
# does not see partner A.
A_PARTNER_STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ROWS = {
    ("GET", "/tiers"): STAFF,
    ("POST", "/tiers"): ADMIN,
    ("GET", "/tiers/compliance"): STAFF,
    ("POST", "/tiers/compliance/{partner_id}/tier"): A_PARTNER_STAFF,
    ("GET", "/partners/{partner_id}/enablement"): A_PARTNER_STAFF,
}


def _whole_table(world) -> dict[str, str]:
    """The defaults, as the form of a table nothing was stored in yet."""
    from channelbase.enablement import tiers
    empty = tiers._table([])
    return {**{tiers.cell_name(tier, key): str(empty.minimums[tier][key])
               for tier in tiers.RANKED_TIERS for key in tiers.REQUIREMENT_KEYS}, "stamp": empty.stamp}


BODIES = {
    ("POST", "/tiers"): _whole_table,
    # Partner A is Gold: promoting it to Platinum reaches the action (a stale version is a 409 about the data).
    ("POST", "/tiers/compliance/{partner_id}/tier"): lambda world: dict(tier="platinum", version="1"),
}
