"""Sign-in with a texted one-time code, through the real application and the console channel."""

import asyncio
import json
import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import OneTimeCode, User
from jitasa.audit.models import AuditEntry
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.notifications.channels.console import MESSAGES_FILE

ASK = "/api/v1/auth/otp"
VERIFY = "/api/v1/auth/otp/verify"
SENT = {"status": "sent", "expires_in": 300}


def texted_code(settings, phone: str) -> str:
    """Return the code in the last message the console channel wrote for this phone."""
    return re.search(r"\b\d{6}\b", last_message(settings, phone)["text"]).group()


def last_message(settings, phone: str) -> dict:
    """Return the last message the console channel wrote for this E.164 phone."""
    lines = (settings.data_dir / MESSAGES_FILE).read_text(encoding="utf-8").splitlines()
    return [m for m in map(json.loads, lines) if m["to"] == phone][-1]


def other_than(code: str) -> str:
    """Return a six-digit code that is surely wrong."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_sign_in_with_a_texted_code_end_to_end(client, session, settings):
    asked = await client.post(ASK, json={"phone": "081 234 5601"})
    assert asked.status_code == 202
    assert asked.json() == SENT
    message = last_message(settings, "+66812345601")
    code = texted_code(settings, "+66812345601")
    assert message["text"] == f"รหัสเข้าจิตอาสา {code} ใช้ได้ 5 นาที ห้ามบอกรหัสนี้กับผู้ใด"
    stored = await session.scalar(select(OneTimeCode).where(OneTimeCode.phone == "+66812345601"))
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert timedelta(minutes=4) < stored.expires_at - utcnow() <= timedelta(minutes=5)

    verified = await client.post(VERIFY, json={"phone": "0812345601", "code": code})
    assert verified.status_code == 200
    assert verified.json()["phone"] == "+66812345601"
    assert verified.json()["roles"] == ["requester"]  # a new person is a requester
    me = await client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["id"] == verified.json()["id"]
    await session.refresh(stored)
    assert stored.used_at is not None
    signed_in = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "auth.signed_in")
    )
    assert signed_in.details == {"method": "otp"} and signed_in.actor_id == me.json()["id"]


async def test_code_typed_in_thai_digits_signs_in_and_english_is_offered(client, settings):
    asked = await client.post(ASK, json={"phone": "0812345602", "language": "en"})
    assert asked.status_code == 202
    code = texted_code(settings, "+66812345602")
    assert last_message(settings, "+66812345602")["text"] == (
        f"Your Jitasa sign-in code: {code} (valid for 5 minutes). Do not tell anyone this code."
    )
    thai_code = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    verified = await client.post(VERIFY, json={"phone": "0812345602", "code": thai_code})
    assert verified.status_code == 200


async def test_an_existing_user_signs_in_as_themselves(client, session, settings):
    volunteer = await accounts_service.save_user(
        session, phone="+66812345603", roles={Role.VOLUNTEER}
    )
    await session.commit()
    await client.post(ASK, json={"phone": "0812345603"})
    code = texted_code(settings, "+66812345603")
    verified = await client.post(VERIFY, json={"phone": "0812345603", "code": code})
    assert verified.status_code == 200
    assert verified.json()["id"] == volunteer.id
    assert verified.json()["roles"] == ["requester", "volunteer"]


async def test_wrong_expired_used_and_unknown_codes_get_one_answer(client, session, settings):
    await client.post(ASK, json={"phone": "0812345604"})
    code = texted_code(settings, "+66812345604")
    wrong = await client.post(VERIFY, json={"phone": "0812345604", "code": other_than(code)})

    await session.execute(
        update(OneTimeCode)
        .where(OneTimeCode.phone == "+66812345604")
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await session.commit()
    expired = await client.post(VERIFY, json={"phone": "0812345604", "code": code})

    await client.post(ASK, json={"phone": "0812345604"})
    fresh = texted_code(settings, "+66812345604")
    assert (await client.post(VERIFY, json={"phone": "0812345604", "code": fresh})).is_success
    client.cookies.clear()  # another browser, without the session the sign-in started
    used = await client.post(VERIFY, json={"phone": "0812345604", "code": fresh})
    never_asked = await client.post(VERIFY, json={"phone": "0899999904", "code": "123456"})

    answers = [wrong, expired, used, never_asked]
    assert {a.status_code for a in answers} == {400}
    assert all(a.json() == wrong.json() for a in answers)
    assert wrong.json()["code"] == "auth.bad_code"
    assert wrong.json()["detail"] == "The code is wrong or has expired; ask for a new one."
    assert wrong.json()["detail_th"] == "รหัสไม่ถูกต้องหรือหมดอายุแล้ว กรุณาขอรหัสใหม่"


async def test_failed_attempts_are_audited_although_the_request_fails(client, session, settings):
    await client.post(ASK, json={"phone": "0812345605"})
    code = texted_code(settings, "+66812345605")
    await client.post(VERIFY, json={"phone": "0812345605", "code": other_than(code)})
    await client.post(VERIFY, json={"phone": "0899999905", "code": code})
    failures = (
        await session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "auth.code_failed")
            .order_by(AuditEntry.id)
        )
    ).all()
    assert [(f.subject_id, f.details["reason"]) for f in failures] == [
        ("+66812345605", "wrong_code"),
        ("+66899999905", "no_code"),
    ]
    assert failures[0].client_ip == "127.0.0.1"


async def test_five_wrong_attempts_spend_the_code(client, session, settings):
    await client.post(ASK, json={"phone": "0812345606"})
    code = texted_code(settings, "+66812345606")
    for _ in range(5):
        wrong = await client.post(VERIFY, json={"phone": "0812345606", "code": other_than(code)})
        assert wrong.status_code == 400
    # The sixth try, even with the right code, gets the answer of any bad code: no sign-in,
    # and no hint that the code was right.
    sixth = await client.post(VERIFY, json={"phone": "0812345606", "code": code})
    assert sixth.status_code == 400 and sixth.json() == wrong.json()
    assert (await client.get("/api/v1/me")).status_code == 401
    assert await session.scalar(select(User).where(User.phone == "+66812345606")) is None
    reasons = (
        await session.scalars(
            select(AuditEntry.details)
            .where(AuditEntry.action == "auth.code_failed")
            .order_by(AuditEntry.id)
        )
    ).all()
    assert [r["reason"] for r in reasons] == ["wrong_code"] * 5 + ["too_many_attempts"]

    await client.post(ASK, json={"phone": "0812345606"})  # a new code has its own five tries
    new_code = texted_code(settings, "+66812345606")
    assert (await client.post(VERIFY, json={"phone": "0812345606", "code": new_code})).is_success


async def test_fourth_code_for_a_phone_within_ten_minutes_is_429_with_retry_after(client):
    for _ in range(3):
        assert (await client.post(ASK, json={"phone": "0812345607"})).status_code == 202
    refused = await client.post(ASK, json={"phone": "0812345607"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "auth.too_many"
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert refused.json()["detail"] == (
        f"Too many tries; please wait {refused.headers['Retry-After']} seconds and try again."
    )
    other_phone = await client.post(ASK, json={"phone": "0812345608"})
    assert other_phone.status_code == 202


async def test_one_address_asking_for_many_phones_gets_429(client):
    answers = [
        (await client.post(ASK, json={"phone": f"08123470{n:02d}"})).status_code for n in range(21)
    ]
    assert answers == [202] * 20 + [429]


async def test_known_and_unknown_phones_get_the_same_answer(client, session):
    await accounts_service.save_user(
        session, phone="+66812345609", roles={Role.COORDINATOR}, area_code="10"
    )
    await session.commit()
    known = await client.post(ASK, json={"phone": "0812345609"})
    unknown = await client.post(ASK, json={"phone": "0812345610"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert known.headers["content-type"] == unknown.headers["content-type"]


async def test_a_newer_code_replaces_the_older_one(client, settings):
    await client.post(ASK, json={"phone": "0812345611"})
    first = texted_code(settings, "+66812345611")
    await client.post(ASK, json={"phone": "0812345611"})
    second = texted_code(settings, "+66812345611")
    if first != second:  # one chance in a million that they are equal
        replaced = await client.post(VERIFY, json={"phone": "0812345611", "code": first})
        assert replaced.status_code == 400
    assert (await client.post(VERIFY, json={"phone": "0812345611", "code": second})).is_success


async def test_a_code_signs_in_once_when_sent_twice_at_once(app, client, settings):
    await client.post(ASK, json={"phone": "0812345612"})
    code = texted_code(settings, "+66812345612")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as one,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as other,
    ):
        answers = await asyncio.gather(
            *(c.post(VERIFY, json={"phone": "0812345612", "code": code}) for c in (one, other))
        )
    assert sorted(a.status_code for a in answers) == [200, 400]


@pytest.mark.parametrize("phone", ["12345", "+1 415 555 2671", "", 812345678])
async def test_a_phone_that_is_not_thai_is_422_naming_phone(client, phone):
    for path, body in ((ASK, {"phone": phone}), (VERIFY, {"phone": phone, "code": "123456"})):
        answer = await client.post(path, json=body)
        assert answer.status_code == 422
        assert [e["field"] for e in answer.json()["errors"]] == ["phone"]


@pytest.mark.parametrize("code", ["12345", "1234567", "12a456", "١٢٣٤٥٦", "", 123456, None])
async def test_a_code_that_is_not_six_digits_is_422_naming_code(client, code):
    answer = await client.post(VERIFY, json={"phone": "0812345613", "code": code})
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["code"]
