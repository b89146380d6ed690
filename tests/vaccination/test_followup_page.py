"""The follow-up page around its list: the header's date as every page shows it, the link an
อสม. with a village finds, what area staff are offered without a village in the address."""

from jitasa.core.thai import format_thai_date
from jitasa.core.words import Role
from jitasa.vaccination.doses import today
from tests.factories import make_user, make_volunteer, signed_in
from tests.vaccination.helpers import VILLAGE, coordinator, resident, vhv

HTML = {"Accept": "text/html"}
PAGE = "/volunteer/followups"


async def test_the_header_shows_todays_date_in_thai_with_its_be_year(client, session):
    headers = {**HTML, **await vhv(session)}
    page = await client.get(PAGE, headers=headers)
    assert page.status_code == 200, page.text
    header = page.text.split('class="today"', 1)[1].split("</span>", 1)[0]
    assert format_thai_date(today()) in header and today().isoformat() not in header
    assert f'"last_day": "{today().isoformat()}"' in page.text  # the date input's latest day


async def test_only_a_vhv_with_a_village_is_linked_to_the_follow_up_page(client, session):
    linked = {**HTML, **await vhv(session)}
    for path in ("/account", "/volunteer"):
        answer = await client.get(path, headers=linked)
        assert answer.status_code == 200 and f'href="{PAGE}"' in answer.text, path
    user = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=user, kind="general")
    _user, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    unlinked = await vhv(session, village="5001")  # an อสม. of a district: no village
    for headers in ({**HTML, **unlinked}, {**HTML, **staff}):
        for path in ("/account", "/volunteer"):
            answer = await client.get(path, headers=headers)
            assert f'href="{PAGE}"' not in answer.text, path


async def test_staff_without_a_village_choose_one_of_their_area(client, session):
    staff = await coordinator(session)
    made = await client.post("/api/v1/vaccination/residents", json=resident(1), headers=staff)
    assert made.status_code == 201, made.text
    page = await client.get(PAGE, headers={**HTML, **staff})
    assert page.status_code == 200, page.text
    assert "โปรไฟล์อาสาสมัคร" not in page.text  # not told about a volunteer profile
    assert "เลือกหมู่บ้านในพื้นที่ของคุณ" in page.text
    assert f'href="{PAGE}?area={VILLAGE}"' in page.text
    assert 'href="/vaccination/residents"' in page.text
    elsewhere = await coordinator(session, area="5002")
    empty = await client.get(f"{PAGE}?lang=en", headers={**HTML, **elsewhere})
    assert "No village of your area has a residents register yet." in empty.text
    assert f"area={VILLAGE}" not in empty.text


async def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(client):
    answer = await client.get(f"{PAGE}?area={VILLAGE}", headers=HTML)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/signin?next={PAGE}%3Farea%3D{VILLAGE}"
