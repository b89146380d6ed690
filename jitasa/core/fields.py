"""Pydantic field types for Thai input, so a bad value is a 422 that names its field."""

from typing import Annotated, ClassVar

from fastapi import Path
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from jitasa.core.errors import Invalid
from jitasa.core.text_input import UNSTORABLE_TYPE, unstorable_at
from jitasa.core.thai import normalize_input, normalize_phone


def normalized(value: object) -> object:
    """Return text (or the texts inside lists and objects) in the form `normalize_input` gives."""
    if isinstance(value, str):
        return normalize_input(value)
    if isinstance(value, list):
        return [normalized(item) for item in value]
    if isinstance(value, dict):
        return {normalized(key): normalized(item) for key, item in value.items()}
    return value


class Input(BaseModel):
    """The base of every input schema: Thai input normalised, unstorable text refused by field.

    Text is read in one form (`thai.normalize_input`: Arabic digits, no invisible characters,
    sara am as one letter…) whichever way it was typed, except fields kept `VERBATIM`
    (passwords). HTTP requests are checked for unstorable text before their schema
    (`text_input.refuse_unstorable_text`); this also covers the command line, imports and
    forms read by hand. A number field refuses NaN and ±infinity (`finite_number`: "must be a
    finite number"), before any bound is checked.
    """

    model_config = ConfigDict(allow_inf_nan=False)

    VERBATIM: ClassVar[frozenset[str]] = frozenset({"password"})

    @field_validator("*", mode="before")
    @classmethod
    def _normalized(cls, value: object, info: ValidationInfo) -> object:
        """Read Thai input in its one stored form (also inside lists and objects)."""
        return value if info.field_name in cls.VERBATIM else normalized(value)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        """Refuse a field whose text (or any text inside it) holds a control character."""
        if next(unstorable_at(value), None) is not None:
            raise PydanticCustomError(UNSTORABLE_TYPE, "holds a control character")
        return value


class StrictInput(Input):
    """An input read as sent: an unknown field is refused, not ignored, and a value of the
    wrong JSON type (`"22"` for 22, `1` for `true`) is refused, not coerced.

    A web form, whose values are all text, reads the same schema with
    `model_validate(values, strict=False)`: only the types are then converted.
    """

    model_config = ConfigDict(extra="forbid", strict=True)


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
