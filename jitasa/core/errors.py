"""Typed domain errors with stable codes, rendered as RFC 9457 problem documents."""

from dataclasses import dataclass, field

from jitasa.core.field_names import thai_field, thai_params
from jitasa.core.i18n import thai


@dataclass(frozen=True)
class FieldError:
    """One invalid field: its name and what is wrong, in English and Thai."""

    field: str
    message: str
    message_th: str

    def as_dict(self) -> dict[str, str]:
        """Return the field error as JSON-ready data."""
        return {"field": self.field, "message": self.message, "message_th": self.message_th}


@dataclass
class DomainError(Exception):
    """A failure the client can act on; `message` is an English catalogue id with `{params}`."""

    code: str
    message: str
    params: dict[str, object] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)
    # RFC 9457 extension members, such as `current`: the state a conflict was decided on.
    extensions: dict[str, object] = field(default_factory=dict)
    # Parameters told differently in Thai (field names in Thai words), over `params`.
    params_th: dict[str, object] = field(default_factory=dict)
    status = 400
    title = "Bad request"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        """Return the English explanation."""
        return self.message.format(**self.params) if self.params else self.message

    @property
    def detail_th(self) -> str:
        """Return the Thai explanation."""
        return thai(self.message, **{**thai_params(self.params), **self.params_th})

    def problem(self, instance: str | None = None) -> dict[str, object]:
        """Return the RFC 9457 problem document for this error."""
        body: dict[str, object] = {
            "type": f"https://jitasa.care/problems/{self.code}",
            "title": self.title,
            "title_th": thai(self.title),
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "detail_th": self.detail_th,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        return {**self.extensions, **body}


class Invalid(DomainError):
    """The input is malformed or breaks a rule (422)."""

    status = 422
    title = "Invalid input"


class NotFound(DomainError):
    """The thing asked for does not exist (404)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The thing is not in a state that allows this (409)."""

    status = 409
    title = "Conflict"


class Forbidden(DomainError):
    """The user may not do this (403)."""

    status = 403
    title = "Forbidden"


class Unauthorized(DomainError):
    """The user is not signed in (401)."""

    status = 401
    title = "Not signed in"


class TooManyRequests(DomainError):
    """Too many tries; wait `retry_after` seconds (429)."""

    status = 429
    title = "Too many requests"


class Busy(DomainError):
    """The database is too busy to answer now; try again after `retry_after` seconds (503)."""

    status = 503
    title = "Busy"


class NotReady(DomainError):
    """The database has not been migrated to this version's schema yet (503, not a retry)."""

    status = 503
    title = "Not ready"


def invalid_field(field_name: str, message: str, **params: object) -> Invalid:
    """Return a 422 error whose message and `errors` list name one field (in Thai, in Thai)."""
    params = {"field": field_name, **params}
    params_th = {**params, "field": thai_field(field_name)}
    error = FieldError(field_name, message.format(**params), thai(message, **params_th))
    return Invalid("validation.invalid", message, params, [error], params_th=params_th)
