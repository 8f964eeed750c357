"""Access rows of the trainings API (channelbase/enablement/api.py). The session in the URLs is the one
tests/access_rows/enablement_web.py makes, with partner A's Ana enrolled already: enrolling her again is a
409 about the data for those who see her, and "not found" for those who do not."""

from __future__ import annotations

from tests.access_policies import A_ROW, SIGNED_IN

ROWS = {
    ("GET", "/api/v1/trainings/courses"): SIGNED_IN,
    ("GET", "/api/v1/trainings/sessions"): SIGNED_IN,
    ("POST", "/api/v1/trainings/sessions/{session_id}/enrolments"): A_ROW,
    ("GET", "/api/v1/partners/{partner_id}/certifications"): A_ROW,
}

BODIES = {
    ("POST", "/api/v1/trainings/sessions/{session_id}/enrolments"):
        lambda world: {"contact_id": world.contacts["ana"]},
}
