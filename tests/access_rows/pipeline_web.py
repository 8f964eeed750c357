"""Access rows of the pipeline pages (list, board, opportunities) and the admin pages for stages and programs."""

from datetime import date, timedelta

from tests.access_policies import A_DEAL, A_DEAL_EDIT, ADMIN, SIGNED_IN, STAFF

# Creating an opportunity for partner A: staff only, and the other manager does not see partner A.
A_OPPORTUNITY_CREATE = dict(anon="login", admin="ok", lucia="ok", nathan="404", ana="403", bruno="403", dora="403")

ROWS = {
    ("GET", "/opportunities"): SIGNED_IN,
    ("GET", "/opportunities/board"): SIGNED_IN,
    ("GET", "/opportunities/new"): STAFF,
    ("POST", "/opportunities"): A_OPPORTUNITY_CREATE,
    # Partner A's opportunity names Delta: its distributor's users read it; only the selling partner edits it.
    ("GET", "/opportunities/{opportunity_id}"): A_DEAL,
    ("GET", "/opportunities/{opportunity_id}/edit"): A_DEAL_EDIT,
    ("POST", "/opportunities/{opportunity_id}"): A_DEAL_EDIT,
    ("POST", "/opportunities/{opportunity_id}/move"): A_DEAL_EDIT,
    ("GET", "/stages"): ADMIN,
    ("POST", "/stages"): ADMIN,
    ("POST", "/stages/{stage_id}"): ADMIN,
    ("GET", "/programs"): ADMIN,
    ("POST", "/programs"): ADMIN,
    ("GET", "/programs/{program_id}"): ADMIN,
    ("POST", "/programs/{program_id}"): ADMIN,
}


def _soon() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


BODIES = {
    ("POST", "/opportunities"): lambda world: dict(
        name="Matrix deal", account_id=world.accounts["brazil"], partner_id=world.partners["abertas"],
        amount="1000.00", currency="USD", close_date=_soon(), stage="qualify", source="partner"),
    # Fields a partner user of partner A may change too, so every permitted actor reaches the save.
    ("POST", "/opportunities/{opportunity_id}"): lambda world: dict(version=1, stage="discover", next_step="Matrix"),
    ("POST", "/opportunities/{opportunity_id}/move"): lambda world: dict(version=1, stage="discover"),
    ("POST", "/stages"): lambda world: dict(key="matrix", name="Matrix", position=25, probability=30, outcome="open"),
    ("POST", "/stages/{stage_id}"): lambda world: dict(version=1, name="Qualify", position=10, probability=15,
                                                       active="1"),
    ("POST", "/programs"): lambda world: dict(name="Matrix program", registration_days=60, extension_days=30,
                                              max_extensions=1, decision_sla_hours=24),
    ("POST", "/programs/{program_id}"): lambda world: dict(version=1, name="Standard", registration_days=90,
                                                           extension_days=30, max_extensions=2,
                                                           decision_sla_hours=48, is_default="1"),
}
