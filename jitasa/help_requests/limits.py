"""How many requests for help one account, and one client address, may create in an hour.

Each is a pin on the public map: one account posted 300 in 7 seconds. Counted in the creating
transaction (`throttle.count_in_transaction`), so a create that fails counts nothing and the
answer is the same with or without Redis. Staff are not counted: call-takers enter requests for
many callers from one desk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.policy import STAFF
from jitasa.accounts.signin.throttle import Refusal, count_in_transaction

if TYPE_CHECKING:
    from jitasa.accounts.models import User

WINDOW_SECONDS = 3600
PER_ACCOUNT = Refusal(
    "request.too_many",
    "You have sent many requests for help in the last hour; you can send another in "
    "{minutes} minutes. If a life is in danger now, call 1669.",
)
PER_ADDRESS = Refusal(
    "request.too_many_from_address",
    "Many requests for help have come from your network in the last hour; please try again "
    "in {minutes} minutes. If a life is in danger now, call 1669.",
)


async def count_creation(
    session: AsyncSession, *, requester: User, address: str, per_account: int, per_address: int
) -> None:
    """Count a new request against its account's and address's hourly limits; 429 past them."""
    if requester.roles & STAFF:
        return
    await count_in_transaction(
        session,
        [
            (f"requests:user:{requester.id}", per_account, PER_ACCOUNT),
            (f"requests:ip:{address}", per_address, PER_ADDRESS),
        ],
        window_seconds=WINDOW_SECONDS,
    )
