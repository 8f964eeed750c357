"""The import pages: upload, map, dry run with its progress, problems by row, commit."""

from __future__ import annotations

import re

from sqlalchemy import select

from channelbase.imports import service
from channelbase.imports.models import ImportRun
from channelbase.partners.models import Account

from tests.imports.helpers import ACCOUNT_HEADER, account_rows, count, csv_bytes


def _upload(client, data: bytes, name: str = "accounts.csv", entity: str = "accounts"):
    return client.post("/imports", data={"entity": entity, "encoding": ""},
                       files={"file": (name, data, "text/csv")})


def _mapping_form(page: str) -> dict[str, str]:
    """The column pickers as the browser would submit them (the selected option of each)."""
    form = {}
    for name, options in re.findall(r'<select id="m-\w+" name="(map_\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        form[name] = chosen.group(1) if chosen else ""
    return form


def test_upload_map_check_and_import_in_the_browser(client_as, db):
    lucia = client_as("lucia")
    before = count(db, Account)
    listed = lucia.get("/imports")
    assert listed.status_code == 200 and "No imports yet" in listed.text
    uploaded = _upload(lucia, csv_bytes(ACCOUNT_HEADER, account_rows(25)))
    assert uploaded.status_code == 303
    run_url = uploaded.headers["location"]
    page = lucia.get(run_url)
    assert "Map the columns" in page.text
    form = _mapping_form(page.text)
    assert form["map_name"] == "Account Name" and form["map_country"] == "Billing Country"

    checked = lucia.post(f"{run_url}/check", data={**form, "save_as": "Salesforce accounts"})
    assert checked.status_code == 303
    service.wait_for_imports()
    progress = lucia.get(f"{run_url}/progress").json()
    assert (progress["status"], progress["finished"], progress["total"]) == ("checked", True, 25)
    ready = lucia.get(run_url)
    assert "Dry run: no problems" in ready.text and "Import 25 rows" in ready.text
    assert count(db, Account) == before

    assert lucia.post(f"{run_url}/commit").status_code == 303
    service.wait_for_imports()
    done = lucia.get(run_url)
    assert "Imported: 25 created, 0 updated" in done.text
    assert count(db, Account) == before + 25
    assert "Salesforce accounts" in lucia.get("/imports/" + str(_next_run(lucia, account_rows(1)))).text


def _next_run(client, rows) -> int:
    response = _upload(client, csv_bytes(ACCOUNT_HEADER, rows), name="next.csv")
    return int(response.headers["location"].rsplit("/", 1)[1])


def test_problems_are_listed_by_row_and_column_and_downloadable(client_as, db):
    admin = client_as("admin")
    rows = account_rows(4)
    rows[2][2] = "Narnia"
    run_url = _upload(admin, csv_bytes(ACCOUNT_HEADER, rows)).headers["location"]
    form = _mapping_form(admin.get(run_url).text)
    admin.post(f"{run_url}/check", data=form)
    service.wait_for_imports()
    page = admin.get(run_url)
    assert "1 problem: nothing was imported" in page.text
    assert re.search(r'<td class="num">4</td><td>Billing Country</td><td>&#39;Narnia&#39; is not a country', page.text)
    assert admin.post(f"{run_url}/commit").status_code == 422  # a failed dry run cannot be committed
    download = admin.get(f"{run_url}/errors.csv")
    assert download.headers["content-type"].startswith("text/csv")
    assert download.text.startswith("\ufeffrow,column,problem") and "Narnia" in download.text
    run = db.scalar(select(ImportRun).where(ImportRun.id == int(run_url.rsplit("/", 1)[1])))
    assert run.status == "failed"


def test_an_unreadable_upload_or_a_bad_mapping_says_why_and_partners_may_not_import(client_as):
    admin = client_as("admin")
    refused = _upload(admin, b"\x00\x01\x02binary", name="photo.csv")
    assert refused.status_code == 422 and "photo.csv is not a CSV or XLSX file" in refused.text
    run_url = _upload(admin, csv_bytes(ACCOUNT_HEADER, account_rows(1))).headers["location"]
    bad = admin.post(f"{run_url}/check", data={"map_name": "Account Name", "map_country": ""})
    assert bad.status_code == 422 and "required: pick the column that holds the country" in bad.text
    assert client_as("ana").get("/imports").status_code == 403
