"""Thai input is read in one form at every boundary: body, form, query, path, and the browser.

A contact phone typed in Thai digits skipped the SOS form's duplicate warning that the same
number in Arabic digits showed. Now Thai digits, invisible joiners, odd spaces, full-width
ASCII and sara am typed as two marks are read the same everywhere, by one table on the server
(`thai.normalize_input`) and the same in the browser (`normalizeInput` in api.js).
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jitasa.accounts.schemas import LoginIn
from jitasa.core.thai import normalize_input
from tests.factories import signed_in
from tests.help_requests.helpers import sos

API_JS = Path(__file__).resolve().parents[2] / "jitasa" / "web" / "static" / "js" / "api.js"
CASES = {
    "๐๘๖ ๕๕๕ ๑๒๓๔": "086 555 1234",
    "ท\u0e4d\u0e32นา": "ทำนา",  # sara am typed as nikhahit + sara aa
    "บ้าน\u200bเลขที่\u00a0๙๙/๙": "บ้านเลขที่ 99/9",  # a zero-width space, a no-break space
    "０８１－２３４": "081-234",  # full-width, from some phone keyboards
    "e\u0301": "\u00e9",  # decomposed accents compose (NFC)
    "soft\u00adhyphen\ufeff": "softhyphen",
    "plain text 123": "plain text 123",
}


@pytest.mark.parametrize(("typed", "stored"), CASES.items())
def test_the_server_reads_each_form_as_one(typed, stored):
    assert normalize_input(typed) == stored


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the page script")
def test_the_browser_reads_them_exactly_as_the_server_does():
    script = (
        "globalThis.document = {documentElement: {lang: 'th'}};"
        f"const api = await import({json.dumps(API_JS.as_uri())});"
        f"const cases = {json.dumps(list(CASES))};"
        "console.log(JSON.stringify(cases.map(api.normalizeInput)));"
    )
    found = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(found.stdout) == [normalize_input(typed) for typed in CASES]


async def test_a_phone_in_thai_digits_finds_the_same_duplicates(client, session):
    _user, headers = await signed_in(session)
    created = await client.post(
        "/api/v1/requests", json=sos(contact_phone="๐๘๖ ๕๕๕ ๑๒๓๔"), headers=headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["contact_phone"] == "+66865551234"
    answers = []
    for phone in ("086 555 1234", "๐๘๖ ๕๕๕ ๑๒๓๔", "๐๘๖\u200b๕๕๕๑๒๓๔"):
        probe = {"lat": 18.7883, "lon": 98.9853, "category": "other", "phone": phone}
        found = await client.get("/api/v1/requests/duplicates", params=probe, headers=headers)
        answers.append([c["same_phone"] for c in found.json()])
    assert answers == [[True]] * 3


async def test_text_fields_are_stored_in_the_one_form(client, session):
    _user, headers = await signed_in(session)
    body = sos(description="ท\u0e4d\u0e32อาหาร ๓ ชุด", address_text="ซอย\u200b๙")
    created = (await client.post("/api/v1/requests", json=body, headers=headers)).json()
    assert (created["description"], created["address_text"]) == ("ทำอาหาร 3 ชุด", "ซอย9")


async def test_queries_and_paths_are_read_in_the_one_form(client):
    by_arabic = await client.get("/api/v1/areas", params={"q": "50200"})
    by_thai = await client.get("/api/v1/areas", params={"q": "๕๐๒๐๐"})
    assert by_thai.json() == by_arabic.json() and by_arabic.json()["items"]
    assert (await client.get("/api/v1/areas/๕๐")).json()["code"] == "50"


def test_passwords_are_kept_as_typed():
    assert LoginIn(username="๐๘๑", password="๑๒\u200b").password == "๑๒\u200b"
