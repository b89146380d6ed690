"""Pydantic field types for Thai input, so a bad value is a 422 that names its field."""

from typing import Annotated

from fastapi import Path
from pydantic import AfterValidator, BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from jitasa.core.errors import Invalid
from jitasa.core.text_input import UNSTORABLE_TYPE, unstorable_at
from jitasa.core.thai import normalize_phone


class Input(BaseModel):
    """The base of every input schema: text no database can store alike is refused by field.

    HTTP requests are checked before their schema (`text_input.refuse_unstorable_text`); this
    covers what reaches a schema another way: the command line, imports, forms read by hand.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        """Refuse a field whose text (or any text inside it) holds a control character."""
        if next(unstorable_at(value), None) is not None:
            raise PydanticCustomError(UNSTORABLE_TYPE, "holds a control character")
        return value


def _thai_phone(value: str) -> str:
    """Normalise a Thai phone number to E.164, or fail as a field error."""
    try:
        return normalize_phone(value)
    except Invalid:
        raise PydanticCustomError("thai_phone", "not a Thai phone number") from None


ThaiPhone = Annotated[
    str, Field(max_length=32, examples=["081-234-5678"]), AfterValidator(_thai_phone)
]
AreaCode = Annotated[str, Field(pattern=r"^\d{2}(\d{2}){0,3}$", examples=["5001"])]

MAX_ROW_ID = 2**31 - 1  # ids are 32-bit on PostgreSQL: a larger one is bad input, not a 500
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
