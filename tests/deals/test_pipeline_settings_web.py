"""The admin pages for pipeline stages and partner programs, and assigning a program to a partner."""

import html
import re

from sqlalchemy import select

from channelbase.deals import stages
from channelbase.deals.deal_schemas import ProgramIn
from channelbase.deals.models import Program, Stage
from channelbase.partners.models import Partner


def _text(response) -> str:
    return html.unescape(response.text)


def _stage(db, key: str) -> Stage:
    db.expire_all()
    return db.scalars(select(Stage).where(Stage.key == key)).one()


def _stage_form(stage: Stage, **overrides):
    return {"version": stage.version, "name": stage.name, "position": stage.position,
            "probability": stage.probability, "active": "1", **overrides}


def _partner_form(world, **overrides):
    return {"version": 1, "name": "Soluções Abertas Ltda.", "legal_name": "Soluções Abertas Tecnologia Ltda.",
            "type": "var", "tier": "gold", "status": "active", "is_priority": "1",
            "territory_id": world.territories["brazil"], "owner_id": world.users["lucia"], "country": "BR",
            "city": "São Paulo", "currency": "BRL", "website": "https://abertas.com.br",
            "tax_id": "11.444.777/0001-61", **overrides}


# Stages -----------------------------------------------------------------------------------------

def test_the_stage_list_shows_every_stage_in_board_order(client_as):
    page = _text(client_as("admin").get("/stages"))
    keys = re.findall(r"<td><code>([a-z_]+)</code>", page)
    assert keys == ["qualify", "discover", "propose", "negotiate", "commit", "won", "lost"]
    assert 'name="probability"' in page and "Add a stage" in page


def test_an_admin_changes_a_stage_probability(client_as, db):
    propose = _stage(db, "propose")
    response = client_as("admin").post(f"/stages/{propose.id}", data=_stage_form(propose, probability="45"))
    assert response.status_code == 303 and response.headers["location"] == f"/stages#stage-{propose.id}"
    assert _stage(db, "propose").probability == 45
    assert 'value="45"' in client_as("admin").get("/stages").text


def test_retiring_a_stage_that_holds_deals_shows_the_reason(client_as, db):
    qualify = _stage(db, "qualify")  # the world's opportunity sits here
    data = _stage_form(qualify)
    del data["active"]
    response = client_as("admin").post(f"/stages/{qualify.id}", data=data)
    assert response.status_code == 422
    assert "Stage 'Qualify' still holds opportunities: move them before retiring it." in _text(response)
    assert _stage(db, "qualify").active is True


def test_an_idle_stage_can_be_retired(client_as, db):
    commit = _stage(db, "commit")
    data = _stage_form(commit)
    del data["active"]
    assert client_as("admin").post(f"/stages/{commit.id}", data=data).status_code == 303
    assert _stage(db, "commit").active is False


def test_a_stale_stage_edit_is_refused(client_as, db):
    propose = _stage(db, "propose")
    response = client_as("admin").post(f"/stages/{propose.id}",
                                       data=_stage_form(propose, version=propose.version - 1, probability="5"))
    assert response.status_code == 409 and "changed by" in _text(response)
    assert _stage(db, "propose").probability == 40


def test_an_admin_adds_a_stage_and_sees_errors_beside_the_fields(client_as, db):
    client = client_as("admin")
    bad = client.post("/stages", data={"key": "Demo Done", "name": "Demo done", "position": "25",
                                       "probability": "130", "outcome": "open"})
    assert bad.status_code == 422
    page = _text(bad)
    assert re.search(r'has-error">\s*<label for="f-key"', page) and re.search(r'has-error">\s*<label for="f-probability"', page)
    assert 'value="Demo done"' in page
    duplicate = client.post("/stages", data={"key": "propose", "name": "Again", "position": "25", "probability": "30"})
    assert duplicate.status_code == 409 and "A stage with key 'propose' exists." in _text(duplicate)
    made = client.post("/stages", data={"key": "demo_done", "name": "Demo done", "position": "25",
                                        "probability": "30", "outcome": "open"})
    assert made.status_code == 303 and _stage(db, "demo_done").probability == 30


def test_only_admins_open_the_settings_pages(client_as, db, world):
    for who, status in (("lucia", 403), ("nathan", 403), ("ana", 403)):
        client = client_as(who)
        assert client.get("/stages").status_code == status
        assert client.get("/programs").status_code == status
        assert client.post("/stages", data={"key": "x", "name": "X", "position": 1, "probability": 1}).status_code == status
    assert db.scalars(select(Stage).where(Stage.key == "x")).first() is None


# Programs ---------------------------------------------------------------------------------------

def test_the_program_list_shows_the_terms_and_the_default(client_as):
    page = _text(client_as("admin").get("/programs"))
    assert "Standard" in page and ">Default</span>" in page and "Registration days" in page
    assert 'name="registration_days"' in page and 'value="90"' in page  # the add form starts from the defaults


def test_an_admin_edits_a_program(client_as, db):
    standard = stages.default_program(db)
    client = client_as("admin")
    assert 'value="Standard"' in client.get(f"/programs/{standard.id}").text
    response = client.post(f"/programs/{standard.id}", data={
        "version": standard.version, "name": "Standard", "registration_days": "120", "extension_days": "30",
        "max_extensions": "2", "decision_sla_hours": "24", "is_default": "1"})
    assert response.status_code == 303
    db.expire_all()
    assert (standard.registration_days, standard.decision_sla_hours) == (120, 24)
    assert "120" in client.get("/programs").text


def test_the_only_default_program_cannot_be_unmarked(client_as, db):
    standard = stages.default_program(db)
    response = client_as("admin").post(f"/programs/{standard.id}", data={
        "version": standard.version, "name": "Standard", "registration_days": "90", "extension_days": "30",
        "max_extensions": "2", "decision_sla_hours": "48"})
    assert response.status_code == 422 and "one program must be the default" in _text(response)


def test_an_admin_adds_a_program_that_becomes_the_default(client_as, db):
    client = client_as("admin")
    response = client.post("/programs", data={"name": "Gold", "registration_days": "180", "extension_days": "60",
                                              "max_extensions": "3", "decision_sla_hours": "24", "is_default": "1"})
    assert response.status_code == 303
    assert stages.default_program(db).name == "Gold"
    bad = client.post("/programs", data={"name": "", "registration_days": "0", "extension_days": "30",
                                         "max_extensions": "2", "decision_sla_hours": "48"})
    assert bad.status_code == 422 and re.search(r'has-error">\s*<label for="f-registration_days"', bad.text)


# A partner's program ------------------------------------------------------------------------------

def test_a_partner_gets_assigned_a_program(client_as, db, actor, world):
    gold = stages.create_program(db, actor("admin"), ProgramIn(name="Gold partners", registration_days=180))
    db.flush()
    partner_id = world.partners["abertas"]
    client = client_as("lucia")
    assert "Gold partners" in client.get(f"/partners/{partner_id}/edit").text
    response = client.post(f"/partners/{partner_id}", data=_partner_form(world, program_id=gold.id))
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Partner, partner_id).program_id == gold.id
    assert "Gold partners" in _text(client.get(f"/partners/{partner_id}"))
    assert "Gold partners" in _text(client_as("ana").get(f"/partners/{partner_id}"))


def test_a_partner_without_a_program_follows_the_default(client_as, world):
    page = _text(client_as("lucia").get(f"/partners/{world.partners['abertas']}"))
    assert "Standard" in page and "(the default program)" in page


def test_an_unknown_program_is_refused_beside_the_field(client_as, db, world):
    partner_id = world.partners["abertas"]
    response = client_as("lucia").post(f"/partners/{partner_id}", data=_partner_form(world, program_id="999999"))
    assert response.status_code == 422 and re.search(r'has-error">\s*<label for="f-program_id"', response.text)
    db.expire_all()
    assert db.get(Partner, partner_id).program_id is None


def test_clearing_the_program_goes_back_to_the_default(client_as, db, actor, world):
    gold = stages.create_program(db, actor("admin"), ProgramIn(name="Gold partners"))
    partner = db.get(Partner, world.partners["abertas"])
    partner.program_id = gold.id
    db.flush()
    response = client_as("admin").post(f"/partners/{partner.id}",
                                       data=_partner_form(world, version=partner.version, program_id=""))
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Partner, partner.id).program_id is None
    assert db.scalars(select(Program).where(Program.name == "Gold partners")).one().id == gold.id
