"""Password guessing is throttled in the sign-in service, so the API and the page share it."""

import re

from jitasa.accounts import service as accounts_service
from jitasa.accounts.signin.passwords import PASSWORD_TRIES_PER_ADDRESS, PASSWORD_TRIES_PER_PHONE
from jitasa.core.words import Role

LOGIN = "/api/v1/auth/login"
HTML = {"Accept": "text/html"}
PASSWORD = "correct horse battery"


async def staff_member(session, phone: str = "+66891000021") -> None:
    """Create a coordinator who signs in with PASSWORD."""
    await accounts_service.save_user(
        session, phone=phone, roles={Role.COORDINATOR}, area_code="5001", password=PASSWORD
    )
    await session.commit()


def assert_too_many(answer) -> None:
    """Check a 429 problem document: Retry-After, and the wait named in Thai and English."""
    assert answer.status_code == 429
    assert answer.headers["content-type"].startswith("application/problem+json")
    wait = answer.headers["Retry-After"]
    assert 1 <= int(wait) <= 600
    problem = answer.json()
    assert problem["code"] == "auth.too_many"
    assert problem["detail"] == f"Too many tries; please wait {wait} seconds and try again."
    assert problem["detail_th"] == f"ทำรายการบ่อยเกินไป กรุณารอ {wait} วินาทีแล้วลองใหม่"


async def test_api_password_guessing_gets_429_after_the_limit(client, session):
    await staff_member(session)
    guesses = [
        await client.post(LOGIN, json={"username": "0891000021", "password": "guess guess!"})
        for _ in range(PASSWORD_TRIES_PER_PHONE + 1)
    ]
    assert [g.status_code for g in guesses] == [401] * PASSWORD_TRIES_PER_PHONE + [429]
    assert_too_many(guesses[-1])
    # Throttled, even the right password waits: the guesser learns nothing more.
    right = await client.post(LOGIN, json={"username": "0891000021", "password": PASSWORD})
    assert_too_many(right)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_api_guesses_over_many_phones_from_one_address_get_429(client):
    answers = [
        (await client.post(LOGIN, json={"username": f"guess {n}", "password": "x"}))
        for n in range(PASSWORD_TRIES_PER_ADDRESS + 1)
    ]
    assert [a.status_code for a in answers] == [401] * PASSWORD_TRIES_PER_ADDRESS + [429]
    assert_too_many(answers[-1])


async def test_the_page_and_the_api_count_the_same_guesses(client, session):
    await staff_member(session)
    half = PASSWORD_TRIES_PER_PHONE // 2
    for _ in range(half):
        api = await client.post(LOGIN, json={"username": "0891000021", "password": "guess!"})
        assert api.status_code == 401
    page = await client.get("/staff/signin", headers=HTML)  # a session cookie from here on
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    statuses = []
    for _ in range(PASSWORD_TRIES_PER_PHONE - half + 1):
        form = {"csrf_token": token, "phone": "089 100 0021", "password": "guess guess!"}
        statuses.append((await client.post("/staff/signin", data=form, headers=HTML)).status_code)
    assert statuses == [401] * (PASSWORD_TRIES_PER_PHONE - half) + [429]
    again = await client.post(
        LOGIN,
        json={"username": "0891000021", "password": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert_too_many(again)
