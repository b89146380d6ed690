"""The sign-in pages: a texted code, a staff password, sign-out, and where visitors go after."""

import json
import re

import pytest
from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from jitasa.notifications.channels.console import MESSAGES_FILE

HTML = {"Accept": "text/html"}
PHONE = "089 100 0001"
E164 = "+66891000001"
STAFF_PASSWORD = "correct horse battery"


def csrf_of(page) -> str:
    """Return the CSRF token a page's forms post."""
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def texted_code(settings, phone: str) -> str:
    """Return the code of the last message the console channel wrote for this phone."""
    lines = (settings.data_dir / MESSAGES_FILE).read_text(encoding="utf-8").splitlines()
    text = [m for m in map(json.loads, lines) if m["to"] == phone][-1]["text"]
    return re.search(r"\b\d{6}\b", text).group()


async def ask_for_code(client, *, phone: str = PHONE, next_path: str = "/") -> tuple[str, object]:
    """Open the sign-in page and post the phone; return the CSRF token and the code page."""
    token = csrf_of(await client.get(f"/signin?next={next_path}", headers=HTML))
    page = await client.post(
        "/signin", data={"csrf_token": token, "phone": phone, "next": next_path}, headers=HTML
    )
    return token, page


async def test_signin_page_asks_for_a_phone_in_thai(client):
    page = await client.get("/signin", headers=HTML)
    assert page.status_code == 200
    assert "<h1>เข้าสู่ระบบ</h1>" in page.text
    assert 'type="tel"' in page.text and 'autocomplete="tel"' in page.text
    assert 'name="next" value="/"' in page.text


async def test_a_person_signs_in_with_the_texted_code_and_goes_where_they_were_going(
    client, settings
):
    token, page = await ask_for_code(client, next_path="/volunteer")
    assert page.status_code == 200
    assert "089 100 0001" in page.text
    assert 'autocomplete="one-time-code"' in page.text and 'inputmode="numeric"' in page.text
    assert 'name="next" value="/volunteer"' in page.text

    code = texted_code(settings, E164)
    signed_in = await client.post(
        "/signin/code",
        data={"csrf_token": token, "phone": E164, "code": code, "next": "/volunteer"},
        headers=HTML,
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/volunteer"
    account = await client.get("/account", headers=HTML)
    assert account.status_code == 200
    assert "089 100 0001" in account.text and "ผู้ขอความช่วยเหลือ" in account.text


async def test_the_code_may_be_typed_in_thai_digits(client, settings):
    token, _page = await ask_for_code(client)
    thai_code = texted_code(settings, E164).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    signed_in = await client.post(
        "/signin/code", data={"csrf_token": token, "phone": E164, "code": thai_code}, headers=HTML
    )
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"


async def test_a_wrong_code_is_refused_in_the_form_with_the_phone_kept(client, settings):
    token, _page = await ask_for_code(client)
    wrong = f"{(int(texted_code(settings, E164)) + 1) % 1_000_000:06d}"
    page = await client.post(
        "/signin/code", data={"csrf_token": token, "phone": E164, "code": wrong}, headers=HTML
    )
    assert page.status_code == 400
    assert "รหัสไม่ถูกต้องหรือหมดอายุแล้ว กรุณาขอรหัสใหม่" in page.text
    assert f'name="phone" value="{E164}"' in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert (await client.get("/account", headers=HTML)).status_code == 303  # still anonymous


async def test_a_code_of_the_wrong_length_is_explained(client):
    token, _page = await ask_for_code(client)
    page = await client.post(
        "/signin/code", data={"csrf_token": token, "phone": E164, "code": "12345"}, headers=HTML
    )
    assert page.status_code == 422
    assert "รหัสมี 6 หลัก" in page.text


async def test_a_bad_phone_is_refused_in_english_with_what_was_typed(client):
    token = csrf_of(await client.get("/signin?lang=en", headers=HTML))
    page = await client.post(
        "/signin", data={"csrf_token": token, "phone": "12ab", "next": "/"}, headers=HTML
    )
    assert page.status_code == 422
    assert "This is not a valid Thai phone number" in page.text
    assert 'value="12ab"' in page.text


async def test_too_many_codes_for_one_phone_are_refused_in_the_form(client):
    pages = [(await ask_for_code(client))[1] for _ in range(4)]
    assert [p.status_code for p in pages] == [200, 200, 200, 429]
    # Minutes and what to do now, never "wait 504 seconds" (issue 17).
    assert "ทำรายการบ่อยเกินไป" in pages[-1].text and "นาที" in pages[-1].text
    assert "วินาที" not in pages[-1].text and 'href="tel:1669"' in pages[-1].text
    assert f'value="{PHONE}"' in pages[-1].text


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x()"]
)
async def test_signing_in_never_sends_a_person_to_another_site(client, settings, target):
    token, page = await ask_for_code(client, next_path=target)
    assert 'name="next" value="/"' in page.text
    signed_in = await client.post(
        "/signin/code",
        data={
            "csrf_token": token,
            "phone": E164,
            "code": texted_code(settings, E164),
            "next": target,
        },
        headers=HTML,
    )
    assert signed_in.headers["location"] == "/"


async def test_a_form_without_its_csrf_token_is_refused(client):
    await client.get("/signin", headers=HTML)
    page = await client.post("/signin", data={"phone": PHONE}, headers=HTML)
    assert page.status_code == 403


async def staff_member(session, *, area_code: str = "5001"):
    """Create a coordinator with a password."""
    user = await accounts_service.save_user(
        session,
        phone="+66891000009",
        roles={Role.COORDINATOR},
        area_code=area_code,
        display_name="ปลัดอำเภอ",
        password=STAFF_PASSWORD,
    )
    await session.commit()
    return user


async def test_staff_sign_in_with_a_password_and_sign_out(client, session):
    user = await staff_member(session)
    token = csrf_of(await client.get("/staff/signin", headers=HTML))
    signed_in = await client.post(
        "/staff/signin",
        data={"csrf_token": token, "phone": "089-100-0009", "password": STAFF_PASSWORD},
        headers=HTML,
    )
    # Staff land on their desk, their area's queue.
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/desk"
    account = await client.get("/account", headers=HTML)
    assert "รับรองอาสาสมัคร" in account.text  # the verification queue is a tap away
    assert "อ.เมืองเชียงใหม่ จ.เชียงใหม่" in account.text
    entry = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "auth.signed_in", AuditEntry.actor_id == user.id
        )
    )
    assert entry is not None

    out = await client.post("/signout", data={"csrf_token": csrf_of(account)}, headers=HTML)
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert (await client.get("/account", headers=HTML)).status_code == 303


@pytest.mark.parametrize(
    ("phone", "password"), [("089-100-0009", "wrong password!"), ("not a phone", STAFF_PASSWORD)]
)
async def test_a_wrong_staff_password_is_refused_with_the_phone_kept(
    client, session, phone, password
):
    await staff_member(session)
    token = csrf_of(await client.get("/staff/signin", headers=HTML))
    page = await client.post(
        "/staff/signin",
        data={"csrf_token": token, "phone": phone, "password": password},
        headers=HTML,
    )
    assert page.status_code == 401
    assert "หมายเลขโทรศัพท์หรือรหัสผ่านไม่ถูกต้อง" in page.text
    assert f'value="{phone}"' in page.text


@pytest.mark.parametrize(
    ("path", "signin"),
    [
        ("/account", "/signin?next=/account"),
        ("/volunteer", "/signin?next=/volunteer"),
        (
            "/coordinator/volunteers?area=5001",
            "/staff/signin?next=/coordinator/volunteers%3Farea%3D5001",
        ),
    ],
)
async def test_pages_that_need_a_sign_in_send_anonymous_visitors_to_it(client, path, signin):
    page = await client.get(path, headers=HTML)
    assert page.status_code == 303
    assert page.headers["location"] == signin


async def test_a_sign_in_posted_from_another_site_signs_nobody_in(client, settings):
    _token, _page = await ask_for_code(client)
    code = texted_code(settings, E164)
    client.cookies.clear()  # a forged form: the browser sends no cookie with a cross-site post
    forged = await client.post(
        "/signin/code", data={"phone": E164, "code": code, "next": "/volunteer"}, headers=HTML
    )
    assert forged.status_code == 403
    assert (await client.get("/account", headers=HTML)).status_code == 303


async def test_password_guessing_is_slowed_down(client, session):
    await staff_member(session)
    token = csrf_of(await client.get("/staff/signin", headers=HTML))
    statuses = []
    for _ in range(11):
        page = await client.post(
            "/staff/signin",
            data={"csrf_token": token, "phone": "0891000009", "password": "guess guess!"},
            headers=HTML,
        )
        statuses.append(page.status_code)
    assert statuses == [401] * 10 + [429]
    assert "ทำรายการบ่อยเกินไป" in page.text
