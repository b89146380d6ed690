"""The admin form that adds an incident: plain fields and one category per line of a textarea."""

from dataclasses import dataclass, field

from pydantic import ValidationError
from starlette.datastructures import FormData

from jitasa.core.i18n import translate
from jitasa.core.validation import field_errors
from jitasa.core.words import URGENCIES
from jitasa.incidents.schemas import IncidentCreate
from jitasa.web.rendering import named

YES = {"yes", "y", "true", "1", "ใช่", "แพทย์", "medical"}
NO = {"no", "n", "false", "0", "ไม่", "ไม่ใช่", ""}
# The hotline columns an admin types, named as the form's hint names them.
HOTLINE_COLUMNS = {"number": "Number", "name_th": "Thai name", "name_en": "English name"}
TEXT_FIELDS = (
    "code",
    "name_th",
    "name_en",
    "kind",
    "starts_on",
    "expiry_hours",
    "categories",
    "hotlines",
)


@dataclass
class IncidentForm:
    """What the admin typed, what is wrong with it, and the incident when nothing is."""

    values: dict[str, str]
    sla: dict[str, str]
    active: bool = True
    errors: list[str] = field(default_factory=list)
    field_errors: dict[str, str] = field(default_factory=dict)
    incident_in: IncidentCreate | None = None

    @classmethod
    def empty(cls, default_sla: dict[str, int]) -> "IncidentForm":
        """Return the blank form with the default time limits filled in."""
        values = dict.fromkeys(TEXT_FIELDS, "") | {"kind": "disaster", "expiry_hours": "72"}
        return cls(values=values, sla={u: str(default_sla[u]) for u in URGENCIES})


def _flag(text: str) -> bool | None:
    """Read yes/no in English or Thai; None when it is neither."""
    word = text.strip().casefold()
    return True if word in YES else False if word in NO else None


def parse_category_lines(text: str, language: str) -> tuple[list[dict], list[str]]:
    """Read "code, Thai name, English name, medical yes/no[, transport yes/no]" per line."""
    categories, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        separator = "|" if "|" in line else "\t" if "\t" in line else ","
        parts = [p.strip() for p in line.split(separator)]
        if len(parts) < 3 or len(parts) > 5:
            errors.append(
                translate(
                    "Line {line}: write code, Thai name, English name, medical yes/no.",
                    language,
                    line=number,
                )
            )
            continue
        medical = _flag(parts[3]) if len(parts) > 3 else False
        transport = _flag(parts[4]) if len(parts) > 4 else False
        if medical is None or transport is None:
            errors.append(
                translate("Line {line}: medical must be yes or no.", language, line=number)
            )
            continue
        categories.append(
            {
                "code": parts[0],
                "name_th": parts[1],
                "name_en": parts[2],
                "medical": medical,
                "transport": transport,
                "line": number,
            }
        )
    return categories, errors


def parse_hotline_lines(text: str, language: str) -> tuple[list[dict], list[str]]:
    """Read "number, Thai name, English name" per line; none means the kind's hotlines."""
    hotlines, errors = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        separator = "|" if "|" in line else "\t" if "\t" in line else ","
        parts = [p.strip() for p in line.split(separator)]
        if len(parts) != 3:
            errors.append(
                translate(
                    "Hotline line {line}: write number, Thai name, English name.",
                    language,
                    line=number,
                )
            )
            continue
        hotlines.append(
            {"number": parts[0], "name_th": parts[1], "name_en": parts[2], "line": number}
        )
    return hotlines, errors


def read_incident_form(form_data: FormData, language: str) -> IncidentForm:
    """Check the posted form; on success `incident_in` holds the incident to create."""
    values = {name: str(form_data.get(name, "")).strip() for name in TEXT_FIELDS}
    sla = {u: str(form_data.get(f"sla_{u}", "")).strip() for u in URGENCIES}
    form = IncidentForm(values=values, sla=sla, active=form_data.get("active") == "on")
    categories, form.errors = parse_category_lines(values["categories"], language)
    lines = [c.pop("line") for c in categories]
    hotlines, hotline_errors = parse_hotline_lines(values["hotlines"], language)
    form.errors += hotline_errors
    hotline_lines = [h.pop("line") for h in hotlines]
    if not categories and not form.errors:
        form.errors.append(translate("Add at least one category.", language))
    data = {
        "code": values["code"],
        "name_th": values["name_th"],
        "name_en": values["name_en"],
        "kind": values["kind"] or "disaster",
        "active": form.active,
        "starts_on": values["starts_on"] or None,
        "expiry_hours": values["expiry_hours"] or 72,
        "sla_minutes": {u: minutes for u, minutes in sla.items() if minutes},
        "categories": categories,
        "hotlines": hotlines,
    }
    try:
        incident_in = IncidentCreate.model_validate(data)
    except ValidationError as error:
        for problem in field_errors(error):
            message = problem.message_th if language == "th" else problem.message
            name, _, rest = problem.field.partition(".")
            if name == "categories" and rest[:1].isdigit():
                index, _, column = rest.partition(".")
                line = lines[int(index)]
                message = named(message, problem.field, column or name)
                form.errors.append(
                    translate("Line {line}: {problem}", language, line=line, problem=message)
                )
            elif name == "hotlines" and rest[:1].isdigit():
                index, _, column = rest.partition(".")
                message = named(
                    message, problem.field, translate(HOTLINE_COLUMNS[column], language)
                )
                form.errors.append(
                    translate(
                        "Hotline line {line}: {problem}",
                        language,
                        line=hotline_lines[int(index)],
                        problem=message,
                    )
                )
            else:
                form.field_errors.setdefault(name, message)
        return form
    if not form.errors:
        form.incident_in = incident_in
    return form
