"""Access rows of the sell-out pages (channelbase/sellout/web.py and web_review.py).

Sell-out files come from distributors: channel staff and the users of a distributor (Dora, of Delta) reach these
pages; the matrix's other partner users (partner A, a reseller, and partner B, an MSP) are refused with a 403, as
every user of a non-distributor is. Review and reports are staff-only, so Dora is refused those too. A file's pages take its id in the query string or the form,
and the matrix has no sell-out file: the requests below carry none, so a permitted actor reaches the action and is
told to choose a file (422). Which files each actor sees is tested in tests/sellout/test_web.py."""

from __future__ import annotations

from tests.access_policies import STAFF

# A distributor's own users upload and work on their own files, as staff do.
SELLOUT_USER = {**STAFF, "dora": "ok"}

ROWS = {
    ("GET", "/sellout"): SELLOUT_USER,
    ("GET", "/sellout/upload"): SELLOUT_USER,
    ("POST", "/sellout/upload"): SELLOUT_USER,
    ("GET", "/sellout/file"): SELLOUT_USER,
    ("POST", "/sellout/check"): SELLOUT_USER,
    ("POST", "/sellout/commit"): SELLOUT_USER,
    ("POST", "/sellout/discard"): SELLOUT_USER,
    ("GET", "/sellout/review"): STAFF,
    ("POST", "/sellout/review"): STAFF,
    ("GET", "/sellout/reports"): STAFF,
    ("GET", "/sellout/reports.csv"): STAFF,
}

BODIES = {
    ("POST", "/sellout/upload"): lambda world: dict(distributor_id=world.partners["delta"], month="2026-10"),
}
