"""LINE push through LINE's SDK, and e-mail over SMTP, against real local servers."""

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from pydantic import SecretStr

from jitasa.core import jobs
from jitasa.notifications.channels import EmailChannel, LineChannel
from jitasa.notifications.errors import DeliveryFailed
from jitasa.notifications.models import Delivery
from tests.notifications.helpers import make_due, queue_one, read, run_job
from tests.notifications.line_api import TOKEN, USER_ID, UUID, LineApi, running_line_api

TEXT = "จิตอาสา: คำขอ JT-ABC234 ได้รับความช่วยเหลือแล้ว ขอบคุณ"
KEY = "6f0c1f5e-5a51-4a8e-9a57-0d7c3b1f4a10"


@pytest.fixture
def line_api() -> Iterator[LineApi]:
    """The stand-in LINE Messaging API on loopback."""
    with running_line_api() as running:
        yield running


async def test_a_push_goes_out_as_line_documents_it(line_api):
    channel = LineChannel(token=TOKEN, api_base=line_api.base)
    await channel.deliver(to=USER_ID, text=TEXT, key=KEY)
    await channel.aclose()
    [push] = line_api.received
    assert push["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert push["headers"]["content-type"].startswith("application/json")
    assert push["headers"]["x-line-retry-key"] == KEY and UUID.fullmatch(KEY)
    assert push["body"]["to"] == USER_ID
    assert push["body"]["messages"] == [{"type": "text", "text": TEXT}]


async def test_a_retry_line_already_accepted_counts_as_delivered(line_api):
    channel = LineChannel(token=TOKEN, api_base=line_api.base)
    await channel.deliver(to=USER_ID, text=TEXT, key=KEY)
    await channel.deliver(to=USER_ID, text=TEXT, key=KEY)  # 409: sent once, not an error
    await channel.aclose()
    assert len(line_api.received) == 1


async def test_a_refused_push_fails_with_lines_reason_and_is_not_retried(line_api):
    channel = LineChannel(token=TOKEN, api_base=line_api.base)
    with pytest.raises(DeliveryFailed) as failed:
        await channel.deliver(to="not-a-line-user", text=TEXT, key=KEY)
    await channel.aclose()
    assert failed.value.retry is False
    assert failed.value.reason.startswith("LINE: HTTP 400 The request body has 1 error(s)")
    assert "to: The property, 'to', in the request body is invalid" in failed.value.reason


async def test_a_wrong_token_is_refused(line_api):
    channel = LineChannel(token="wrong", api_base=line_api.base)
    with pytest.raises(DeliveryFailed) as failed:
        await channel.deliver(to=USER_ID, text=TEXT, key=KEY)
    await channel.aclose()
    assert failed.value.reason.startswith("LINE: HTTP 401 Authentication failed")


async def test_a_line_notification_is_retried_after_500_and_delivered_once(
    engine, session, settings, line_api
):
    line_api.statuses = [500]
    with_line = settings.model_copy(
        update={"line_channel_token": SecretStr(TOKEN), "line_api_base": line_api.base}
    )
    notification_id = await queue_one(engine, channel="line", address=USER_ID)
    assert (await run_job(engine, with_line)).state == jobs.JobState.QUEUED
    assert (await read(session, notification_id)).last_error == (
        "LINE: HTTP 500 Internal server error"
    )
    await make_due(session)
    assert (await run_job(engine, with_line)).state == jobs.JobState.DONE
    assert (await read(session, notification_id)).state == Delivery.SENT
    assert [p["body"]["to"] for p in line_api.received] == [USER_ID]


class Mailbox:
    """An aiosmtpd handler that keeps each message, and refuses one address."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port: the controller checks it by connecting
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


async def test_an_email_reaches_the_smtp_server(smtp):
    mailbox, port = smtp
    channel = EmailChannel(url=f"smtp://127.0.0.1:{port}", sender="Jitasa <no-reply@jitasa.test>")
    await channel.deliver(to="somchai@example.test", text=TEXT, key=KEY)
    [envelope] = mailbox.messages
    assert envelope.rcpt_tos == ["somchai@example.test"]
    assert envelope.mail_from == "no-reply@jitasa.test"
    body = envelope.content.decode()
    assert f"Message-ID: <{KEY}@jitasa>" in body and "Subject: Jitasa" in body


async def test_a_refused_address_fails_with_the_servers_answer(smtp):
    _mailbox, port = smtp
    channel = EmailChannel(url=f"smtp://127.0.0.1:{port}", sender="no-reply@jitasa.test")
    with pytest.raises(DeliveryFailed) as failed:
        await channel.deliver(to="nobody@example.test", text=TEXT, key=KEY)
    assert failed.value.retry is False
    assert failed.value.reason == "SMTP 550 5.1.1 No such user here"
