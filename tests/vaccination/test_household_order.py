"""House numbers as people write them, numbered or not, sort without failing: the follow-up
list, the residents register (API and page) put numbered houses first, numbers as numbers."""

from jitasa.vaccination.residents import house_order
from tests.vaccination.helpers import VILLAGE, coordinator, resident, vhv

HOUSES = ["ไม่ทราบ", "<b>78</b>", "12", "3", "12/1", "๙"]
EXPECTED = ["3", "๙", "12", "12/1", "<b>78</b>", "ไม่ทราบ"]
STORED = [h.replace("๙", "9") for h in EXPECTED]  # Thai digits are stored as Arabic ones


def test_house_numbers_sort_as_numbers_and_unnumbered_ones_after_by_text():
    assert sorted(HOUSES, key=house_order) == EXPECTED
    assert sorted(["100", "ม.3", "2", " 7"], key=house_order) == ["2", " 7", "100", "ม.3"]


async def test_the_follow_up_list_and_register_answer_unnumbered_houses_last(client, session):
    staff = await coordinator(session)
    for serial, house in enumerate(HOUSES, start=1):
        body = resident(serial, household=house)
        answer = await client.post("/api/v1/vaccination/residents", json=body, headers=staff)
        assert answer.status_code == 201, answer.text
    headers = await vhv(session)
    listed = await client.get(f"/api/v1/vaccination/followups?area={VILLAGE}", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [i["household"] for i in listed.json()["items"]] == STORED
    register = await client.get(f"/api/v1/vaccination/residents?area={VILLAGE}", headers=headers)
    assert register.status_code == 200, register.text
    assert [i["household"] for i in register.json()["items"]] == STORED
    page = await client.get(
        f"/vaccination/residents?area={VILLAGE}", headers={**staff, "Accept": "text/html"}
    )
    assert page.status_code == 200, page.text
    shown = [
        page.text.index(f"<td>{house.replace('<', '&lt;').replace('>', '&gt;')}</td>")
        for house in STORED
    ]
    assert shown == sorted(shown)
