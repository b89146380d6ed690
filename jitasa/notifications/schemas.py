"""Notification preferences and delivery states, as the API and the pages show them."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from jitasa.core.fields import StrictInput
from jitasa.core.words import Urgency

ChannelName = Literal["line", "sms", "email"]
# JSON has no enums: an urgency is its word ("red"), read strictly as one of the words.
UrgencyWord = Annotated[Urgency, Strict(False)]


class PreferencesIn(StrictInput):
    """What a person chooses: channels in order, language, e-mail, nearby alerts, quiet hours.

    Strict (`StrictInput`): an unknown field or a value of the wrong type is a 422 naming it.
    Choosing `email` among the channels needs an `email` address (422 on `email`).
    """

    channels: list[ChannelName] = Field(default_factory=lambda: ["sms"], max_length=3)
    language: Literal["th", "en"] = "th"
    email: str | None = Field(
        None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", validate_default=True
    )
    nearby_urgencies: list[UrgencyWord] = Field(default_factory=list, max_length=5)
    radius_km: float | None = Field(None, ge=0.5, le=50)
    quiet_start: int = Field(0, ge=0, le=23)
    quiet_end: int = Field(0, ge=0, le=23)

    @field_validator("channels", "nearby_urgencies")
    @classmethod
    def _once_each(cls, values: list) -> list:
        """Keep the first of repeated choices, in order."""
        return list(dict.fromkeys(values))

    @field_validator("email", mode="before")
    @classmethod
    def _blank_is_none(cls, email: object) -> object:
        """Read an empty address as no address."""
        return None if isinstance(email, str) and not email.strip() else email

    @field_validator("email")
    @classmethod
    def _needed_for_email(cls, email: str | None, info: ValidationInfo) -> str | None:
        """Refuse the e-mail channel without an address to send to."""
        if not email and "email" in (info.data.get("channels") or ()):
            raise PydanticCustomError("email_needed", "an address is needed for e-mail")
        return email


class PreferencesOut(BaseModel):
    """A person's preferences, and whether a LINE account is linked."""

    model_config = ConfigDict(from_attributes=True)

    channels: list[ChannelName] = ["sms"]
    language: Literal["th", "en"] = "th"
    email: str | None = None
    nearby_urgencies: list[Urgency] = []
    radius_km: float | None = None
    quiet_start: int = 0
    quiet_end: int = 0
    line_linked: bool = False


class NotificationOut(BaseModel):
    """One notification of a request and its delivery, for the request's coordinators.

    `state`: queued (waiting, or between tries: `attempts` so far, `last_error` the latest),
    sent, failed (`last_error` the provider's reason), or withdrawn (no longer true when its
    turn came: `last_error` says why).
    """

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    channel: str
    address: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    # Not before this time (quiet hours); the last change (a try, its end) at `updated_at`.
    send_after: datetime
    updated_at: datetime
    sent_at: datetime | None


class LinkCodeOut(BaseModel):
    """A one-time code to send to the official LINE account, and until when it works."""

    code: str
    expires_at: datetime
