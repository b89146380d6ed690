"""Names of input fields as a person reads them, for Thai error messages.

An English message may name a field by its key (`quiet_start`): API clients program against
keys. A Thai message names it in Thai (`เวลาเริ่มงดแจ้งเตือน`), and joins lists with Thai words
(`หรือ`, `และ`), never the English `or`. `FIELD_NAMES` maps each key of the API's inputs (bodies,
query parameters, headers) to its English label, whose Thai is in `locales/th.po`;
tests/core/test_field_names.py checks that every input of the OpenAPI schema has one.
"""

from jitasa.core.i18n import thai

FIELD_NAMES = {
    # People and accounts
    "phone": "Phone number",
    "code": "Code",
    "username": "Username",
    "password": "Password",
    "display_name": "Display name",
    "name": "Name",
    "roles": "Roles",
    "area_code": "Area",
    "area": "Area",
    "active": "Active",
    "token_id": "Token",
    # Residents registers, doses and coverage
    "as_of": "As of",
    "birth_year": "Birth year",
    "chronic_disease": "Chronic disease",
    "given_on": "Date given",
    "household": "House number",
    "household_lat": "House latitude",
    "household_lon": "House longitude",
    "national_id": "National ID number",
    "place": "Place",
    "pregnant": "Pregnant",
    "resident_id": "Resident",
    "sex": "Sex",
    "subdistrict_code": "Subdistrict code",
    "vaccine": "Vaccine",
    "village_number": "Village number",
    "village_code": "Village code",
    # Help requests
    "incident": "Incident",
    "category": "Category",
    "urgency": "Urgency",
    "lat": "Latitude",
    "lon": "Longitude",
    "people_count": "Number of people",
    "description": "Description",
    "contact_name": "Contact name",
    "contact_phone": "Contact phone",
    "consent": "Consent",
    "for_someone_else": "Asking for someone else",
    "address_text": "Address or landmark",
    "status": "Status",
    "to": "New status",
    "note": "Note",
    "reason": "Reason",
    "request_ids": "Requests",
    "request_id": "Request",
    "keep_id": "Request to keep",
    "close_taken": "Also close requests a volunteer holds",
    "reassign": "Reassign",
    "volunteer_id": "Volunteer",
    "expiry_hours": "Hours until expiry",
    "external_id": "External id",
    "source": "Source",
    "before_id": "Before",
    # Incidents
    "kind": "Kind",
    "name_th": "Name in Thai",
    "name_en": "Name in English",
    "categories": "Categories",
    "medical": "Medical",
    "sla_minutes": "Time limit (minutes)",
    "hotlines": "Hotlines",
    "number": "Number",
    "starts_on": "Starts on",
    "ends_on": "Ends on",
    "icon": "Icon",
    "is_default": "Default incident",
    "archived": "Archived incidents",
    # Facilities
    "type": "Type",
    "address": "Address",
    "services": "Services",
    "opening_hours": "Opening hours",
    "facility_id": "Facility",
    "free_beds": "Free beds",
    "near": "Near",
    "If-Match": "Capacity version",
    "total": "Total",
    "available": "Available",
    "mobility": "How the patient moves",
    # Volunteers
    "home_lat": "Home latitude",
    "home_lon": "Home longitude",
    "service_radius_km": "Service radius (km)",
    "available_now": "Available now",
    "skills": "Skills",
    "vehicle": "Vehicle",
    "transport": "Transport",
    "ppe_trained": "Trained in protective equipment",
    "verified": "Verified",
    # Notifications
    "channels": "Channels",
    "language": "Language of messages",
    "email": "E-mail",
    "nearby_urgencies": "Urgencies to be alerted of",
    "radius_km": "Radius (km)",
    "quiet_start": "Quiet from",
    "quiet_end": "Quiet until",
    # Lists, maps, streams and the rest
    "bbox": "Map area",
    "zoom": "Zoom",
    "layers": "Layers",
    "limit": "Limit",
    "cursor": "Cursor",
    "parent": "Parent area",
    "q": "Search",
    "date": "Date",
    "action": "Action",
    "follow": "Follow",
    "Idempotency-Key": "Idempotency key",
    "Last-Event-ID": "Last event",
    "last_event_id": "Last event",
    "body": "Request body",
    # Imports and exports
    "import_id": "Import",
    "dataset": "Dataset",
    "fmt": "File format",
    "hxl": "HXL hashtag row",
}


# Values that are words of a domain (a request's status), as people read them, registered by
# their domain (`help_requests.states`): a Thai message says "รอความช่วยเหลือ", never "open".
STATUS_WORDS: dict[str, str] = {}


def name_fields(labels: dict[str, str]) -> None:
    """Register the English labels (Thai in th.po) of keys a domain defines as data, such as
    the resources of a facility's capacity (`beds_red`), which no schema lists one by one."""
    FIELD_NAMES.update(labels)


def name_statuses(words: dict[str, str]) -> None:
    """Register how each status value reads (English message ids, their Thai in th.po)."""
    STATUS_WORDS.update({str(value): label for value, label in words.items()})


def thai_params(params: dict[str, object]) -> dict[str, object]:
    """Return a message's parameters with the values that are words (a status) in Thai."""
    return {
        key: thai(STATUS_WORDS[value])
        if key.endswith("status") and isinstance(value, str) and value in STATUS_WORDS
        else value
        for key, value in params.items()
    }


def thai_field(name: str) -> str:
    """Name a field (a key, or a dotted path such as `channels.0`) in Thai.

    The top-level key's label is translated; a list position is told as its item's number
    (`channels.0` → `ช่องทาง รายการที่ 1`), a nested key by its own label. A key without a
    label (a name the caller made up) is kept as it is.
    """
    top, *rest = name.split(".")
    label = FIELD_NAMES.get(top)
    words = thai(label) if label else top
    for part in rest:
        if part.isdigit():
            words += " " + thai("item {n}", n=int(part) + 1)
        else:
            words += " " + (thai(FIELD_NAMES[part]) if part in FIELD_NAMES else part)
    return words


def join_th(items: list[str], *, last: str = "และ") -> str:
    """Join names the Thai way: `a, b และ c` (or `หรือ` with `last="หรือ"`)."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def thai_choices(expected: str) -> str:
    """Rewrite pydantic's list of choices (`'th' or 'en'`) with the Thai word for "or"."""
    if " or " not in expected:
        return expected
    head, _, tail = expected.rpartition(" or ")
    return join_th([*(part.strip() for part in head.split(", ")), tail.strip()], last="หรือ")
