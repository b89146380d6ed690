"""What every sign-in surface takes from the application: its throttle, sender and key."""

from typing import Annotated

from fastapi import Depends, Request

from jitasa.accounts.signin.codes import MessageSender
from jitasa.accounts.signin.throttle import Throttle


def app_throttle(request: Request) -> Throttle:
    """Return the application's rate limiter."""
    return request.app.state.throttle


def app_message_sender(request: Request) -> MessageSender:
    """Return the application's channel for text messages."""
    return request.app.state.message_sender


def secret_key(request: Request) -> str:
    """Return the key the codes' hashes are made with."""
    return request.app.state.settings.secret_key.get_secret_value()


ThrottleDep = Annotated[Throttle, Depends(app_throttle)]
SenderDep = Annotated[MessageSender, Depends(app_message_sender)]
SecretKeyDep = Annotated[str, Depends(secret_key)]
