"""The sell-out pages: upload, map, check and import as a distributor's user; review and reports as staff."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from channelbase.auth import service as auth_service
from channelbase.auth.models import User
from tests.conftest import CSRF
from tests.sellout.conftest import DELTA_MAPPING, DELTA_ROWS, delta_file


@pytest.fixture
def carla_client(app, session_factory, channel):
    """Distributor B's user, signed in (she is not one of the demo personas)."""
    with session_factory.begin() as session:
        token = auth_service.start_session(session, session.get(User, channel.carla.id))
    with TestClient(app, base_url="http://testserver", follow_redirects=False,
                    cookies={"cb_session": token, "cb_csrf": CSRF}, headers={"X-CSRF-Token": CSRF}) as client:
        yield client


def _upload(client, content: bytes, month: str = "2026-10", name: str = "delta.csv", **extra) -> int:
    response = client.post("/sellout/upload", data={"month": month, **extra}, files={"file": (name, content, "text/csv")})
    assert response.status_code == 303, response.text[:500]
    return int(re.search(r"id=(\d+)", response.headers["location"]).group(1))


def _check(client, file_id: int, mapping: dict[str, str] | None = None):
    fields = {f"map_{name}": header for name, header in (mapping or DELTA_MAPPING).items()}
    return client.post("/sellout/check", data={"file_id": file_id, "decimal": "auto", "date_order": "auto", **fields})


def _imported_file(client_as, channel) -> int:
    dora = client_as("dora")
    file_id = _upload(dora, delta_file())
    assert _check(dora, file_id).status_code == 200
    assert dora.post("/sellout/commit", data={"file_id": file_id}).status_code == 303
    return file_id


def test_a_distributor_user_uploads_maps_checks_and_imports_a_file(client_as, channel):
    dora = client_as("dora")
    assert "No sell-out files yet" in dora.get("/sellout").text
    assert 'href="/sellout"' in dora.get("/portal").text  # the nav shows sell-out to a distributor's users
    file_id = _upload(dora, delta_file())
    mapping_page = dora.get(f"/sellout/file?id={file_id}").text
    assert "Step 2 of 3" in mapping_page and '<option value="Revenda" selected>' in mapping_page
    checked = _check(dora, file_id)
    assert checked.status_code == 200 and "Step 3 of 3" in checked.text and "Import 5 lines" in checked.text
    done = dora.post("/sellout/commit", data={"file_id": file_id})
    assert done.status_code == 303
    page = dora.get(done.headers["location"]).text
    assert "Imported 5 lines: 3 matched, 2 waiting for review." in page
    assert "SOLUCOES ABERTAS TEC" in page and "tax id" not in page  # match reasons are the vendor's
    listed = dora.get("/sellout").text
    assert "delta.csv" in listed and "Imported" in listed


def test_a_bad_file_lists_its_problems_by_row_and_column_and_imports_nothing(client_as, channel):
    dora = client_as("dora")
    rows = [list(row) for row in DELTA_ROWS]
    rows[1][8] = "dez reais"
    file_id = _upload(dora, delta_file(rows))
    checked = _check(dora, file_id)
    assert checked.status_code == 200
    assert "1 problem found: nothing was imported" in checked.text
    assert re.search(r"<td class=\"num\">3</td><td>Valor</td><td>bad amount: 'dez reais' is not a number",
                     html.unescape(checked.text))
    refused = dora.post("/sellout/commit", data={"file_id": file_id})
    assert refused.status_code == 422 and "1 problem found: nothing was imported" in refused.text
    assert "Imported" not in dora.get(f"/sellout/file?id={file_id}").text


def test_a_mapping_without_a_required_column_is_explained_beside_the_field(client_as, channel):
    dora = client_as("dora")
    file_id = _upload(dora, delta_file())
    response = _check(dora, file_id, {**DELTA_MAPPING, "sku": ""})
    assert response.status_code == 422
    assert "required: pick the column that holds the sku" in response.text


def test_the_same_file_is_refused_and_a_corrected_one_needs_confirmation(client_as, channel):
    dora = client_as("dora")
    _imported_file(client_as, channel)
    again = dora.post("/sellout/upload", data={"month": "2026-10"}, files={"file": ("d.csv", delta_file(), "text/csv")})
    assert again.status_code == 409 and "was already imported" in again.text
    corrected = _upload(dora, delta_file(DELTA_ROWS[:2]), name="delta-fixed.csv")
    page = _check(dora, corrected).text
    assert "Replace its lines with this file" in page
    unconfirmed = dora.post("/sellout/commit", data={"file_id": corrected})
    assert unconfirmed.status_code == 409 and "Confirm to replace" in unconfirmed.text
    confirmed = dora.post("/sellout/commit", data={"file_id": corrected, "replace": "1"})
    assert confirmed.status_code == 303
    assert "Imported 2 lines" in dora.get(confirmed.headers["location"]).text


def test_another_distributors_user_and_resellers_cannot_see_the_file(client_as, carla_client, channel):
    file_id = _imported_file(client_as, channel)
    assert carla_client.get(f"/sellout/file?id={file_id}").status_code == 404
    assert "delta.csv" not in carla_client.get("/sellout").text
    ana = client_as("ana")
    assert ana.get("/sellout").status_code == 403
    assert ana.get(f"/sellout/file?id={file_id}").status_code == 403
    assert 'href="/sellout"' not in ana.get("/").text
    assert client_as("nathan").get(f"/sellout/file?id={file_id}").status_code == 404
    assert client_as("dora").get(f"/sellout/review?file={file_id}").status_code == 403


def test_staff_resolve_a_group_once_in_the_review_queue(client_as, channel):
    file_id = _imported_file(client_as, channel)
    lucia = client_as("lucia")
    assert "delta.csv" in lucia.get("/sellout/review").text
    queue = lucia.get(f"/sellout/review?file={file_id}&kind=reseller").text
    assert "REVENDA FANTASMA" in queue and "Apply to 2 lines" in queue  # "Revenda Fantasma ME" and "REVENDA FANTASMA"
    assert f'<option value="{channel.abertas}">Soluções Abertas Ltda. (linked reseller' in queue
    done = lucia.post("/sellout/review", data={"file_id": file_id, "kind": "reseller", "key": "revendafantasma",
                                              "target_id": channel.abertas, "text": "REVENDA FANTASMA"})
    assert done.status_code == 303
    after = lucia.get(done.headers["location"]).text
    assert "2 lines with “REVENDA FANTASMA” resolved" in after and "No resellers left to review" in after
    wrong = lucia.post("/sellout/review", data={"file_id": file_id, "kind": "product", "key": "xyz-999",
                                               "target_id": "abc"})
    assert wrong.status_code == 422 and "Pick a suggestion" in wrong.text


def test_staff_see_reports_and_download_them_as_csv(client_as, channel):
    _imported_file(client_as, channel)
    lucia = client_as("lucia")
    page = lucia.get("/sellout/reports?by=reseller&start=2026-10&end=2026-10")
    assert page.status_code == 200 and "Soluções Abertas Ltda." in page.text and "USD 2,522.22" in page.text
    download = lucia.get("/sellout/reports.csv?by=month")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.content.startswith("\ufeff".encode())
    assert "2026-10,5,11,2612.13" in download.text
    bad = lucia.get("/sellout/reports?start=October")
    assert bad.status_code == 422 and "is not a month" in bad.text
    assert client_as("dora").get("/sellout/reports").status_code == 403
