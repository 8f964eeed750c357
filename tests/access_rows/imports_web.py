"""Access rows of the import pages (channelbase/imports/web.py). Imports are for managers and admins; a run
belongs to whoever uploaded it (Lucía here), and admins see every run."""

from __future__ import annotations

from tests.access_policies import STAFF

# The run is Lucía's: the other manager gets a 404, partner users are refused before any look-up.
RUN = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ROWS = {
    ("GET", "/imports"): STAFF,
    ("POST", "/imports"): STAFF,
    ("GET", "/imports/{run_id}"): RUN,
    ("GET", "/imports/{run_id}/progress"): RUN,
    ("GET", "/imports/{run_id}/errors.csv"): RUN,
    ("POST", "/imports/{run_id}/check"): RUN,
    ("POST", "/imports/{run_id}/commit"): RUN,
}

# A mapping the page refuses (422): a valid one would start the dry run on a thread of its own, still running
# against the test's connection when the test ends. The pages' own tests run that.
BODIES = {
    ("POST", "/imports/{run_id}/check"): lambda world: {"map_name": "No such column"},
}


def make_ids(db, actor) -> dict[str, int]:
    from channelbase.imports import service
    run, _sheet = service.new_run(db, actor("lucia"), "accounts", "matrix.csv",
                                  b"Account Name,Billing Country\nMatrix Cliente Ltda.,BR\n")
    db.flush()
    return {"run_id": run.id}
