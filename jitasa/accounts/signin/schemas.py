"""Shapes of sign-in with a texted one-time code."""

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, Field

from jitasa.core.fields import Input, ThaiPhone
from jitasa.core.thai import to_arabic_digits


def _arabic_digits(value: object) -> object:
    """Read Thai digits as Arabic ones and drop surrounding spaces; leave non-text to the type."""
    return to_arabic_digits(value).strip() if isinstance(value, str) else value


# [0-9] and not \d: pydantic's regex would let other scripts' digits through.
OneTimeCodeText = Annotated[
    str,
    BeforeValidator(_arabic_digits),
    Field(pattern=r"^[0-9]{6}$", max_length=6, examples=["123456"]),
]


class CodeRequestIn(Input):
    """A phone to text a sign-in code to, and the language of the message."""

    phone: ThaiPhone
    language: Literal["th", "en"] | None = Field(
        None, description="Language of the text message; default: the `lang` cookie, else Thai."
    )


class CodeSent(BaseModel):
    """The same answer for every phone, known or not."""

    status: Literal["sent"] = "sent"
    expires_in: int = Field(description="Seconds the code stays valid.")


class CodeVerifyIn(Input):
    """A phone and the code texted to it (Thai digits allowed)."""

    phone: ThaiPhone
    code: OneTimeCodeText
