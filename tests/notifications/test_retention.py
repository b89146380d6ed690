"""The retention sweep: final notifications go after their retention, dead drafts and codes
as soon as they cannot be used; nothing still waiting is touched."""

from datetime import timedelta

from sqlalchemy import select

from jitasa import jobs
from jitasa.core.db import create_session_factory, utcnow
from jitasa.notifications.models import Delivery, LineDraft, LineLinkCode, Notification
from tests.factories import make_user


def _notification(key: str, state: str, age: timedelta) -> Notification:
    """Return a notification last touched `age` ago."""
    when = utcnow() - age
    return Notification(
        kind="request.resolved",
        channel="sms",
        address="+66812345678",
        text="Jitasa: request JT-ABC234 is marked resolved. Thank you.",
        state=state,
        attempts=1,
        dedupe_key=key,
        created_at=when,
        updated_at=when,
        send_after=when,
    )


async def test_the_sweep_deletes_what_is_past_its_time_and_keeps_the_rest(
    engine, session, settings
):
    days = settings.notification_retention_days
    old, recent = timedelta(days=days + 1), timedelta(days=days - 1)
    session.add_all(
        [
            _notification("old-sent", Delivery.SENT, old),
            _notification("old-failed", Delivery.FAILED, old),
            _notification("old-withdrawn", Delivery.WITHDRAWN, old),
            _notification("old-but-waiting", Delivery.QUEUED, old),
            _notification("recent-sent", Delivery.SENT, recent),
        ]
    )
    user = await make_user(session)
    now = utcnow()
    session.add_all(
        [
            LineDraft(
                line_user_id="U1",
                token="dead",
                address="",
                text="",
                created_at=now - timedelta(days=2),
                updated_at=now - timedelta(days=2),
            ),
            LineDraft(
                line_user_id="U2", token="live", address="", text="", created_at=now, updated_at=now
            ),
            LineLinkCode(
                code_hash="a" * 64, user_id=user.id, expires_at=now - timedelta(minutes=1)
            ),
            LineLinkCode(
                code_hash="b" * 64, user_id=user.id, expires_at=now + timedelta(minutes=10)
            ),
        ]
    )
    await session.commit()

    counts = await jobs.run_once(create_session_factory(engine), settings=settings)
    assert counts["notifications_purged"] == 5  # 3 notifications, 1 draft, 1 code

    kept = await session.scalars(select(Notification.dedupe_key).order_by(Notification.id))
    assert list(kept) == ["old-but-waiting", "recent-sent"]
    assert list(await session.scalars(select(LineDraft.token))) == ["live"]
    assert list(await session.scalars(select(LineLinkCode.code_hash))) == ["b" * 64]
    again = await jobs.run_once(create_session_factory(engine), settings=settings)
    assert again["notifications_purged"] == 0


async def test_a_shorter_retention_setting_deletes_sooner(engine, session, settings):
    session.add(_notification("ten-days", Delivery.SENT, timedelta(days=10)))
    await session.commit()
    default = await jobs.run_once(create_session_factory(engine), settings=settings)
    assert default["notifications_purged"] == 0
    shorter = settings.model_copy(update={"notification_retention_days": 7})
    assert (await jobs.run_once(create_session_factory(engine), settings=shorter))[
        "notifications_purged"
    ] == 1


async def test_a_row_whose_last_try_lost_its_worker_is_marked_failed(engine, session, settings):
    stranded = _notification("stranded", Delivery.QUEUED, timedelta(minutes=3))
    stranded.attempts = settings.notify_max_attempts
    between_tries = _notification("between-tries", Delivery.QUEUED, timedelta(minutes=3))
    just_started = _notification("just-started", Delivery.QUEUED, timedelta(seconds=5))
    just_started.attempts = settings.notify_max_attempts
    session.add_all([stranded, between_tries, just_started])
    await session.commit()
    counts = await jobs.run_once(create_session_factory(engine), settings=settings)
    assert counts["notifications_stranded"] == 1
    rows = await session.scalars(
        select(Notification).order_by(Notification.id).execution_options(populate_existing=True)
    )
    states = {n.dedupe_key: (n.state, n.last_error) for n in rows}
    assert states == {
        "stranded": (Delivery.FAILED, "the worker sending it stopped during its last try"),
        "between-tries": (Delivery.QUEUED, None),
        "just-started": (Delivery.QUEUED, None),
    }
