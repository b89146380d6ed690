"""A request past its time limit says officials were alerted only when an alert was recorded.

It used to say "officials were alerted" (แจ้งเจ้าหน้าที่แล้ว) when nobody was; its timeline note
was in English on the Thai page.
"""

from datetime import timedelta

from jitasa.core.words import Role
from tests.factories import make_user
from tests.help_requests.helpers import make_request
from tests.help_requests.job_helpers import age
from tests.help_requests.test_request_pages import HTML, sign_in
from tests.notifications.test_triggers import notes, run


def overdue_entry(page: str) -> str:
    """Return the text of the timeline's past-the-time-limit entry."""
    start = page.index('data-kind="escalated"')
    return page[start : page.index("</li>", start)]


async def test_without_an_official_to_alert_the_page_says_none_was(
    client, engine, session, settings
):
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester, urgency="urgent")
    await age(session, help_request, created_at=timedelta(days=3))
    await run(engine, settings)
    assert await notes(session, kind="request.escalated") == []  # nobody coordinates area 50
    english = overdue_entry((await client.get(f"/requests/{help_request.id}?lang=en")).text)
    assert "No official has been alerted yet." in english
    assert "were alerted" not in english
    thai = overdue_entry((await client.get(f"/requests/{help_request.id}?lang=th")).text)
    assert "ยังไม่มีการแจ้งเจ้าหน้าที่" in thai and "แจ้งเจ้าหน้าที่แล้ว" not in thai
    # Every system note of the entry is in the reader's language: no English on the Thai page.
    assert "minute" not in thai and "Urgent" not in thai
    assert "60 นาที" in thai


async def test_when_officials_were_alerted_the_page_says_how_many(
    client, engine, session, settings
):
    for area_code in ("50", "5001"):
        await make_user(session, roles=[Role.COORDINATOR], area_code=area_code)
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester, urgency="urgent")
    await age(session, help_request, created_at=timedelta(days=3))
    await run(engine, settings)
    assert len(await notes(session, kind="request.escalated")) == 2
    english = overdue_entry((await client.get(f"/requests/{help_request.id}?lang=en")).text)
    assert "Officials of the area were alerted (2)." in english
    thai = overdue_entry((await client.get(f"/requests/{help_request.id}?lang=th")).text)
    assert "แจ้งเจ้าหน้าที่ในพื้นที่แล้ว (2 คน)" in thai
    mine = (await client.get("/requests/mine?lang=en", headers=HTML)).text
    assert "Officials of the area were alerted (2)." in mine
