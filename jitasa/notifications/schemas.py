"""Notification preferences and delivery states, as the API and the pages show them."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jitasa.core.words import Urgency

ChannelName = Literal["line", "sms", "email"]


class PreferencesIn(BaseModel):
    """What a person chooses: channels in order, language, e-mail, nearby alerts, quiet hours."""

    channels: list[ChannelName] = Field(default_factory=lambda: ["sms"], max_length=3)
    language: Literal["th", "en"] = "th"
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    nearby_urgencies: list[Urgency] = Field(default_factory=list, max_length=5)
    radius_km: float | None = Field(None, ge=0.5, le=50)
    quiet_start: int = Field(0, ge=0, le=23)
    quiet_end: int = Field(0, ge=0, le=23)

    @field_validator("channels", "nearby_urgencies")
    @classmethod
    def _once_each(cls, values: list) -> list:
        """Keep the first of repeated choices, in order."""
        return list(dict.fromkeys(values))


class PreferencesOut(PreferencesIn):
    """A person's preferences, and whether a LINE account is linked."""

    model_config = ConfigDict(from_attributes=True)

    line_linked: bool = False


class NotificationOut(BaseModel):
    """One notification of a request and its delivery, for the request's coordinators."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    channel: str
    address: str
    state: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class LinkCodeOut(BaseModel):
    """A one-time code to send to the official LINE account, and until when it works."""

    code: str
    expires_at: datetime
