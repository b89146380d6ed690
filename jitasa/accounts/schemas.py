"""Shapes of accounts in the API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jitasa.core.fields import AreaCode, Input, ThaiPhone
from jitasa.core.words import Role


class PhoneIn(Input):
    """A Thai phone number in any usual form, kept as E.164."""

    phone: ThaiPhone


class LoginIn(Input):
    """Staff sign-in: the phone number as username, and a password."""

    username: str = Field(max_length=32, description="Phone number")
    password: str = Field(min_length=1, max_length=200)


class UserRead(BaseModel):
    """A user as they see themselves, or as an admin sees them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    phone: str
    display_name: str
    roles: list[Role]
    area_code: str | None
    created_at: datetime
    last_sign_in_at: datetime | None

    @field_validator("roles", mode="before")
    @classmethod
    def _sorted(cls, value: object) -> object:
        """Show roles in a stable order."""
        return sorted(value) if isinstance(value, set) else value


class UserSave(PhoneIn):
    """What an admin sets on a user: roles are added, area and name replaced when given."""

    roles: list[Role] = Field(min_length=1)
    area_code: AreaCode | None = None
    display_name: str | None = Field(None, max_length=120)
    password: str | None = Field(None, max_length=200)


class TokenCreate(Input):
    """A name for a new API token."""

    name: str = Field("", max_length=120)


class TokenRead(BaseModel):
    """An API token without its secret."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """A new API token with its secret, shown only this once."""

    token: str


class CsrfToken(BaseModel):
    """This browser session's CSRF token, to send back as the X-CSRF-Token header."""

    csrf_token: str
