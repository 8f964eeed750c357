"""Access rows of the list downloads (CSV/XLSX): each export is open to whoever may open its list, and the
rows in it are the actor's own view (tests/web/test_exports.py checks that)."""

from __future__ import annotations

from tests.access_policies import ADMIN, SIGNED_IN, STAFF

ROWS = {
    ("GET", "/partners/export"): SIGNED_IN,
    ("GET", "/contacts/export"): SIGNED_IN,
    ("GET", "/accounts/export"): SIGNED_IN,
    ("GET", "/registrations/export"): SIGNED_IN,
    ("GET", "/opportunities/export"): SIGNED_IN,
    ("GET", "/products/export"): SIGNED_IN,
    ("GET", "/activities/export"): STAFF,
    ("GET", "/tasks/export"): STAFF,
    ("GET", "/cadence/export"): STAFF,
    ("GET", "/cadence/rules/export"): STAFF,
    ("GET", "/fx-rates/export"): STAFF,
    ("GET", "/users/export"): ADMIN,
}
