"""Health pages through the app: the at-risk and rising lists (staff, each manager for their partners), the
weights form (admins save it; a total other than 100 is explained), and the partner page's health panel with its
sparkline, as an htmx fragment or a page of its own."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree

from channelbase.health import weights
from channelbase.health.components import COMPONENT_KEYS, DEFAULT_WEIGHTS
from channelbase.health.schemas import weight_field
from channelbase.health.sparkline import sparkline

from tests.health.conftest import TODAY, day


def _form(stamp: str, **values: int | str) -> dict[str, str]:
    data = {weight_field(key): str(DEFAULT_WEIGHTS[key]) for key in COMPONENT_KEYS}
    data.update({weight_field(key): str(value) for key, value in values.items()})
    return {**data, "stamp": stamp}


def test_the_lists_page_shows_a_managers_partners_at_risk_and_rising(client_as, history):
    page = client_as("lucia").get("/health")
    assert page.status_code == 200
    at_risk, rising = page.text.split('id="h-rising"')
    assert "Soluções Abertas Ltda." in at_risk and "Distribuidora Delta S.A." in at_risk
    assert "Nube Bravo S.A. de C.V." in rising and "Northwind" not in page.text
    assert '<a href="/evidence/cadence">Cadence kept</a>: 20.4 (−30.0)' in at_risk
    assert f'href="/partners/{history["delta"]}/health"' in at_risk


def test_the_lists_page_filters_and_paginates(client_as, world, history):
    lucia = client_as("lucia")
    mexico = lucia.get(f"/health?territory_id={world.territories['mexico']}")
    assert "Nube Bravo" in mexico.text and "Soluções Abertas" not in mexico.text and ">Clear</a>" in mexico.text
    assert "Distribuidora Delta" in lucia.get("/health?type=distributor").text
    bad = lucia.get("/health?tier=diamond")
    assert bad.status_code == 422 and "alert-error" in bad.text


def test_nathan_sees_his_partners_and_partner_users_are_refused(client_as, history):
    page = client_as("nathan").get("/health")
    assert "Northwind Systems Inc." in page.text and "Soluções Abertas" not in page.text
    assert client_as("ana").get("/health").status_code == 403
    assert client_as("bruno").get(f"/partners/{history['bravo']}/health").status_code == 403


def test_an_empty_list_says_why(client_as):
    page = client_as("lucia").get("/health")
    assert "No score stored yet for your partners" in page.text


def test_the_partner_panel_shows_each_component_and_the_history(client_as, known, db):
    from tests.health.conftest import snapshot
    snapshot(db, known.partner_id, 60, "90.0")
    snapshot(db, known.partner_id, 30, "80.0")
    db.flush()
    lucia = client_as("lucia")
    page = lucia.get(f"/partners/{known.partner_id}/health")
    assert page.status_code == 200 and "<html" in page.text and "Clínica Digital Ltda.</a> › Health" in page.text
    assert "Score today: " in page.text and ">76.0<" in page.text
    assert "−4.0 since " + day(30).isoformat() + " (80.0)" in page.text
    assert "Overdue: 5 d overdue" in page.text and f'href="/activities?partner_id={known.partner_id}"' in page.text
    assert f'href="/partners/{known.partner_id}/plan"' in page.text and "<svg" in page.text
    assert (f"3 scores from 90.0 on {day(60).isoformat()} to 76.0 on {TODAY.isoformat()}; "
            f"lowest 76.0 on {TODAY.isoformat()}.") in page.text  # the line ends with today's score
    fragment = lucia.get(f"/partners/{known.partner_id}/health", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="health"' in fragment.text
    assert fragment.headers["vary"] == "HX-Request"


def test_the_panel_names_what_was_left_out(client_as, world):
    page = client_as("lucia").get(f"/partners/{world.partners['bravo']}/health")
    assert page.status_code == 200 and "Not counted for this partner:" in page.text
    assert "weights are rescaled to add up to 100 %" in page.text and "One score so far: " in page.text


def test_the_panel_of_a_partner_nathan_does_not_see_is_not_found(client_as, world):
    assert client_as("nathan").get(f"/partners/{world.partners['abertas']}/health").status_code == 404


def test_managers_read_the_weights_and_admins_save_them(client_as, db, actor):
    page = client_as("lucia").get("/health/weights")
    assert page.status_code == 200 and "Only admins change the weights." in page.text
    assert 'name="weight_cadence"' not in page.text and "These are the defaults" in page.text
    admin = client_as("admin")
    assert 'name="weight_cadence"' in admin.get("/health/weights").text
    stamp = weights.current_weights(db, actor("admin")).stamp
    saved = admin.post("/health/weights", data=_form(stamp, cadence=25, pipeline=15))
    assert saved.status_code == 303 and saved.headers["location"] == f"/health/weights?saved={len(COMPONENT_KEYS)}"
    assert "Health weights saved" in admin.get(saved.headers["location"]).text
    assert weights.current_weights(db, actor("admin")).values["cadence"] == 25
    assert client_as("lucia").post("/health/weights", data=_form(stamp)).status_code == 403


def test_the_weights_form_explains_a_wrong_total_and_a_bad_weight(client_as, db, actor):
    admin = client_as("admin")
    stamp = weights.current_weights(db, actor("admin")).stamp
    short = admin.post("/health/weights", data=_form(stamp, cadence=10))
    assert short.status_code == 422
    assert "The weights add up to 90 %: they must add up to 100 %" in short.text and 'value="10"' in short.text
    negative = admin.post("/health/weights", data=_form(stamp, nps="-5"))
    assert negative.status_code == 422
    assert '<small class="error" id="e-weight_nps" aria-live="polite">cannot be negative: enter 0 to 100</small>' \
        in negative.text
    assert weights.current_weights(db, actor("admin")).defaulted


def test_the_sparkline_is_an_accessible_svg_without_scripts_or_styles():
    chart = sparkline([(day(20), None), (day(14), Decimal("71.5")), (day(7), Decimal("48.0")),
                       (day(0), Decimal("52.0"))], TODAY, 90, "Health of Acme")
    root = ElementTree.fromstring(chart.svg)
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.find(f"svg:title[@id='{title_id}']", ns).text == "Health of Acme"
    assert root.find(f"svg:desc[@id='{desc_id}']", ns).text == chart.summary
    assert chart.summary.startswith("3 scores from 71.5") and "lowest 48.0" in chart.summary
    assert not [e for e in root.iter() if e.tag.endswith("script") or "style" in e.attrib]
    assert "No history yet" in sparkline([], TODAY, 90, "Health of Acme").svg
    lines = [e for e in root.iter() if e.tag.endswith("line") and e.get("stroke-width") == "2"]
    assert len(lines) == 2  # three points joined; the day without a score is skipped
