"""One mapping from invalid input to field errors in English and Thai: API, pages and imports."""

from collections.abc import Mapping

from pydantic import ValidationError

from jitasa.core.errors import DomainError, FieldError, Invalid
from jitasa.core.field_names import join_th, thai_choices, thai_field
from jitasa.core.i18n import thai

VALIDATION_MESSAGES = {
    "missing": "{field} is required.",
    "float_parsing": "{field} must be a number.",
    "float_type": "{field} must be a number.",
    "finite_number": "{field} must be a finite number.",
    "int_parsing": "{field} must be a whole number.",
    "int_type": "{field} must be a whole number.",
    "bool_parsing": "{field} must be true or false.",
    "string_type": "{field} must be text.",
    "string_too_short": "{field} is too short.",
    "too_long": "{field} has too many items (at most {max_length}).",
    "too_short": "{field} needs at least {min_length} items.",
    "string_too_long": "{field} is too long (at most {max_length} characters).",
    "string_pattern_mismatch": "{field} has the wrong format.",
    "greater_than_equal": "{field} must be at least {ge}.",
    "greater_than": "{field} must be more than {gt}.",
    "less_than_equal": "{field} must be at most {le}.",
    "less_than": "{field} must be less than {lt}.",
    "literal_error": "{field} must be one of: {expected}.",
    "enum": "{field} must be one of: {expected}.",
    "json_invalid": "The request body is not valid JSON.",
    "thai_phone": "{field} is not a valid Thai phone number; write it like 081 234 5678.",
    "national_id": "{field} is not a valid national ID number: 13 digits and a check digit.",
    "unstorable_text": "{field} holds a control character that cannot be stored; remove it.",
    "extra_forbidden": "{field} is not a field this accepts; check its spelling.",
    "list_type": "{field} must be a list.",
    "dict_type": "{field} must be an object.",
    "model_type": "{field} must be an object.",
    "model_attributes_type": "{field} must be an object.",
    "email_needed": "{field} is needed to be told by e-mail.",
}
NOT_VALID = "{field} is not valid."
_REQUEST_PARTS = ("query", "body", "path", "header", "cookie")


def field_name(location: tuple) -> str:
    """Name a field by its location without the `query`/`body`/`path` prefix."""
    parts = [str(p) for p in location if p not in _REQUEST_PARTS]
    return ".".join(parts) or "body"


def invalid_input(errors: list[FieldError]) -> Invalid:
    """Return the 422 for invalid input, naming each field that is wrong (in Thai, in Thai)."""
    fields = list(dict.fromkeys(e.field for e in errors))
    return Invalid(
        "validation.invalid",
        "Invalid input: {fields}.",
        {"fields": ", ".join(fields)},
        errors,
        params_th={"fields": join_th([thai_field(name) for name in fields])},
    )


def field_errors(
    error: ValidationError | DomainError | list[dict],
    *,
    labels: Mapping[str, str] | None = None,
    whole: str = "body",
    labels_th: Mapping[str, str] | None = None,
) -> list[FieldError]:
    """Return what is wrong with each field of the input, in English and Thai.

    Takes pydantic's error (or its `errors()` list, as FastAPI hands it over) or a domain
    error. With `labels` (a form's), a message names its field by the label of the field's
    top-level name, as the form shows it, instead of by the dotted name (in Thai by the
    `labels_th` one, else by the label's Thai in th.po). A domain error that
    names no field is reported against `whole`.
    """
    if isinstance(error, DomainError):
        return list(error.errors) or [FieldError(whole, error.detail, error.detail_th)]
    raw_errors = error.errors() if isinstance(error, ValidationError) else error
    return [_field_error(raw, labels, labels_th or {}) for raw in raw_errors]


def _field_error(
    raw: dict, labels: Mapping[str, str] | None, labels_th: Mapping[str, str]
) -> FieldError:
    """Turn one of pydantic's errors into a field error."""
    # A body that is not JSON at all is located by a character offset: name the body instead.
    location = ("body",) if raw.get("type") == "json_invalid" else tuple(raw.get("loc", ()))
    name = field_name(location)
    english, thai_name = name, thai_field(name)
    if labels is not None:
        top = name.partition(".")[0]
        english = labels.get(top, top)
        thai_name = labels_th.get(top) or thai(english)
    template = VALIDATION_MESSAGES.get(raw.get("type", ""), NOT_VALID)
    context = dict(raw.get("ctx") or {})
    context_th = dict(context)
    if isinstance(context.get("expected"), str):
        context_th["expected"] = thai_choices(context["expected"])
    try:
        return FieldError(
            name,
            template.format(**{**context, "field": english}),
            thai(template, **{**context_th, "field": thai_name}),
        )
    except (KeyError, IndexError):
        return FieldError(name, NOT_VALID.format(field=english), thai(NOT_VALID, field=thai_name))
