"""Access rows of the operations endpoints (channelbase/ops/health.py and metrics.py).

/healthz and /readyz answer anyone without signing in: load balancers and orchestrators call them. /metrics
answers only a request from this machine or one with the metrics token, and is a 404 to everyone else, signed
in or not (TestClient's address is "testclient", and the suite configures no token)."""

from __future__ import annotations

from tests.access_policies import LOCAL_ONLY, PUBLIC

ROWS = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): LOCAL_ONLY,
}
