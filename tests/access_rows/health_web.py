"""Access rows of partner health (channelbase/health/web.py): staff read the at-risk and rising lists (each manager
for the partners of their territories) and the weights; admins change the weights; the health panel of partner A
is for the staff who see partner A (partner users are refused before any lookup, Nathan finds nothing)."""

from __future__ import annotations

from tests.access_policies import ADMIN, STAFF

A_PARTNER_STAFF = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ROWS = {
    ("GET", "/health"): STAFF,
    ("GET", "/health/weights"): STAFF,
    ("POST", "/health/weights"): ADMIN,
    ("GET", "/partners/{partner_id}/health"): A_PARTNER_STAFF,
}


def _default_weights(world) -> dict[str, str]:
    """The defaults, as the form of weights nothing was stored for yet."""
    from channelbase.health import weights
    from channelbase.health.components import DEFAULT_WEIGHTS
    from channelbase.health.schemas import weight_field
    return {**{weight_field(key): str(value) for key, value in DEFAULT_WEIGHTS.items()},
            "stamp": weights._weights([]).stamp}


BODIES = {
    ("POST", "/health/weights"): _default_weights,
}
