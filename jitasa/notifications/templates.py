"""What each notification says, in Thai and English, short enough for one SMS.

One SMS holds 70 characters of Thai (UCS-2) or 160 of plain English (GSM-7); a name is cut to
`NAME_CHARS` so that even the longest fill fits (tests/notifications/
test_preferences_and_pages.py). Messages sent only on LINE (`LINE_ONLY`) may be longer.
"""

from jitasa.core.i18n import translate

NAME_CHARS = 20
SMS_CHARS = {"th": 70, "en": 160}

CLAIMED = "request.claimed"
PICKED_UP = "request.picked_up"
RESOLVED = "request.resolved"
ESCALATED = "request.escalated"
NEARBY = "request.nearby"
VERIFIED = "volunteer.verified"
LINKED = "line.linked"
INTAKE_LINK = "line.intake_link"
INTAKE_ASK = "line.intake_ask"
# Sent only on LINE, where a message may be longer than one SMS (a link).
LINE_ONLY = frozenset({LINKED, INTAKE_LINK, INTAKE_ASK})

TEMPLATES = {
    CLAIMED: "Jitasa: {name} is coming to help with {code}. Call them: {callback}",
    PICKED_UP: "Jitasa: the volunteer is on the way for request {code}.",
    RESOLVED: "Jitasa: request {code} is marked resolved. Thank you.",
    ESCALATED: "Jitasa: request {code} ({urgency}) waited past its time limit. Please act.",
    NEARBY: "Jitasa: new {urgency} request {code} about {km} km from you.",
    VERIFIED: "Jitasa: you are now a verified volunteer. Thank you!",
    LINKED: "Jitasa: this LINE account is now linked; notifications will come here.",
    INTAKE_LINK: "Jitasa: we have your location. Confirm your request (what you need, consent) "
    "here: {link}",
    INTAKE_ASK: "Jitasa: to ask for help, send your location (+ → Location) and a few words "
    "about what you need.",
}


def render(kind: str, language: str, **fields: object) -> str:
    """Return the message of `kind` in `language` (th or en), its fields filled in."""
    if "name" in fields:
        fields["name"] = str(fields["name"] or "-")[:NAME_CHARS]
    return translate(TEMPLATES[kind], language if language in SMS_CHARS else "th", **fields)


def local_phone(phone: str) -> str:
    """Write an E.164 Thai number the way it is dialled at home: +66812345678 → 081-234-5678."""
    if phone.startswith("+66") and len(phone) == 12:
        digits = "0" + phone[3:]
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return phone
