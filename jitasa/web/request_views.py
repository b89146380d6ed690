"""What the request pages show: labels, names of categories and areas, times, timelines, moves."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.i18n import translate
from jitasa.core.thai import format_moment, format_phone
from jitasa.core.words import Urgency
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.states import STATUS_WORDS, Actor, CloseReason, Status, can_move
from jitasa.incidents import service as incidents_service
from jitasa.incidents.models import Incident
from jitasa.web.account_views import place

# English message ids; the templates translate them with _().
STATUS_LABELS = STATUS_WORDS
NOTIFICATION_KINDS = {
    "request.claimed": "Told who is coming",
    "request.picked_up": "Told help is on the way",
    "request.resolved": "Told it is resolved",
    "request.escalated": "Overdue: coordinator alerted",
    "request.nearby": "Nearby volunteer alerted",
}
DELIVERY_LABELS = {
    "queued": "Waiting to be sent",
    "sent": "Delivered",
    "failed": "Failed",
    "withdrawn": "Not sent: no longer true",
}
URGENCY_LABELS = {
    Urgency.RED: "Red: severe",
    Urgency.YELLOW: "Yellow: at risk",
    Urgency.GREEN: "Green: mild",
    Urgency.URGENT: "Urgent",
    Urgency.NORMAL: "Not urgent",
}
# Triage colours of thai.md, always with the word colour, described by signs a family can see
# (not "pneumonia", which they cannot judge); the form adds "if unsure, the more severe".
TRIAGE = [
    (
        Urgency.GREEN,
        "Green",
        "No symptoms or mild ones (slight fever, cough, sore throat); eats and walks as usual; "
        "under 60, not pregnant, no chronic disease.",
    ),
    (
        Urgency.YELLOW,
        "Yellow",
        "Aged 60 or more, pregnant, a chronic disease (diabetes, heart, kidney, lungs, stroke) "
        "or very overweight; or a fever that does not go down, out of breath when walking, "
        "chest tightness.",
    ),
    (
        Urgency.RED,
        "Red",
        "Very hard to breathe even at rest, cannot finish a sentence, lips or face bluish, "
        "confused or hard to wake, chest pain, oxygen below 94%: call 1669 now.",
    ),
]
OTHER_URGENCIES = [
    (Urgency.NORMAL, "Not urgent", "Can wait a day."),
    (Urgency.URGENT, "Urgent", "Needed within the hour."),
]
EVENT_LABELS = {
    "created": "Request posted",
    "claimed": "A volunteer took the request",
    "assigned": "An official assigned a volunteer",
    "reassigned": "An official gave the request to another volunteer",
    "in_progress": "The volunteer started helping",
    "released": "The volunteer handed the request back",
    "resolved": "Resolved",
    "cancelled": "Cancelled by the requester",
    "closed": "Closed by an official",
    "expired": "Expired without updates",
    "merged": "A duplicate request was merged into this one",
    # The time limit passing; whether officials were alerted is told from the notifications
    # recorded (ESCALATION_ALERT), never assumed.
    "escalated": "Waiting longer than its time limit",
    "stale_claim": "No update for a long time",
    "anonymised": "Personal details removed",
    # A transport's own steps (P5): its destination, then picked up and delivered.
    "destination": "Destination chosen",
    "picked_up": "Picked up by the driver",
    "delivered": "Delivered to the destination",
}
ESCALATION_ALERT = "request.escalated"  # the notification kind that alerts the area's officials
ALERTED = "Officials of the area were alerted ({count})."
NOT_ALERTED = "No official has been alerted yet."
ACTOR_LABELS = {
    "requester": "Requester",
    "volunteer": "Volunteer",
    "staff": "Official",
    "system": "System",
}
# What a timeline entry's details say, by the detail that is there (English message ids, filled
# with the details; an urgency is named by its label). Entries store kinds and details only, so
# each reader gets their own language.
DETAIL_NOTES = {
    "sla_minutes": "Still open after the {sla_minutes}-minute limit for {urgency} requests.",
    "hours": {
        "stale_claim": "No update for {hours} hours; flagged for release.",
        "expired": "No update for {hours} hours; closed.",
    },
    "withdrawn": "The requester withdrew consent; personal data removed.",
    "days": "Personal data removed {days} days after the request was closed.",
    "merged_into": "Joined to request {merged_into}, which is still followed.",
    "merged_from": "Request {merged_from} was joined to this one.",
    "facility_name": "Going to {facility_name}.",
}
# A transport (P5): how the patient moves, and where the ride stands, by the request's status.
MOBILITY_LABELS = {
    "walks": "Walks",
    "wheelchair": "Wheelchair",
    "stretcher": "Stretcher",
}
STAGE_LABELS = {
    Status.OPEN: "Waiting for a driver",
    Status.CLAIMED: "A driver is coming",
    Status.IN_PROGRESS: "Picked up, on the way to the destination",
    Status.RESOLVED: "Delivered to the destination",
}
CLOSE_REASON_LABELS = {
    CloseReason.DUPLICATE: "Duplicate of another request",
    CloseReason.UNREACHABLE: "Could not reach the requester",
    CloseReason.OUT_OF_SCOPE: "Out of scope",
    CloseReason.DONE_BY_OTHERS: "Helped by others",
    CloseReason.NO_LONGER_NEEDED: "No longer needed",
}

# What the requester can do now, once a request is no longer waiting: by status, and for
# closed ones by reason (a family must never be left at "closed" with nowhere to go).
NEXT_STEPS = {
    Status.OPEN: "Your request is on the map, but no volunteer has taken it yet. Keep your phone "
    "on: the volunteer who takes it will call you. If it gets worse, call 1669 now; do not wait.",
    Status.CLAIMED: "A volunteer has taken your request and should call you soon. If nobody "
    "calls, or it gets worse, call 1669.",
    Status.IN_PROGRESS: "The volunteer is on the way. If it gets worse, call 1669. When you "
    "have the help, tap “It was resolved”.",
    Status.RESOLVED: "If you need help again, ask again.",
    Status.CANCELLED: "You cancelled this request. If you need help again, ask again.",
    Status.EXPIRED: "Nobody updated this request for a long time, so it was closed. If you "
    "still need help, ask again.",
    CloseReason.DUPLICATE: "An official joined this request to another one for the same need; "
    "that one is still followed.",
    CloseReason.UNREACHABLE: "Volunteers could not reach you by phone. If you still need help, "
    "ask again and check the phone number.",
    CloseReason.OUT_OF_SCOPE: "Volunteers here cannot help with this. Call one of the numbers "
    "at the top of the page for other help.",
    CloseReason.DONE_BY_OTHERS: "Others have helped. If you still need help, ask again.",
    CloseReason.NO_LONGER_NEEDED: "If you need help again, ask again.",
}


def next_step(help_request: HelpRequest) -> str:
    """Say what the requester can do now, as an English message id."""
    if help_request.status == Status.CLOSED:
        return NEXT_STEPS.get(help_request.close_reason, "If you still need help, ask again.")
    return NEXT_STEPS[help_request.status]


def when(moment: datetime | None, language: str) -> str:
    """Show a time in Asia/Bangkok, with the Buddhist Era year in Thai: "25 พ.ย. 2569 14:05 น.";
    nothing for no time."""
    return format_moment(moment, language) if moment else ""


def phone_for_display(e164: str) -> str:
    """Show a stored phone number the Thai way, or as stored when it cannot be read."""
    try:
        return format_phone(e164) if e164 else ""
    except Exception:  # anonymised or legacy values are shown as they are
        return e164


def map_link(lat: float, lon: float) -> str:
    """Return a link that opens directions to the pin in the phone's maps app."""
    return f"https://www.google.com/maps/dir/?api=1&destination={lat:.6f},{lon:.6f}"


def category_names(incidents: list[Incident], language: str) -> dict[str, str]:
    """Name each category code for the page's scripts; the newest incident's names win."""
    return {
        category.code: category.name_th if language == "th" else category.name_en
        for incident in reversed(incidents)  # listed newest first
        for category in incident.categories
    }


@dataclass(frozen=True)
class Names:
    """Thai and English names of categories and areas, for showing requests."""

    categories: dict[tuple[int, str], tuple[str, str]]
    areas: dict[str, tuple[str, str]]

    def category(self, help_request: HelpRequest, language: str) -> str:
        """Name the request's category in the page language."""
        names = self.categories.get((help_request.incident_id, help_request.category))
        if names is None:
            return help_request.category
        return names[0] if language == "th" else names[1]

    def place(self, help_request: HelpRequest, language: str) -> str:
        """Name where the request is, most precise area first: "อ.เมืองเชียงใหม่ จ.เชียงใหม่"."""
        codes = (help_request.subdistrict_code, help_request.district_code)
        most_precise = next((c for c in codes if c), help_request.province_code)
        return place(most_precise, self.areas, language)


async def load_names(session: AsyncSession, requests: list[HelpRequest]) -> Names:
    """Load the names of every incident's categories and of the requests' areas."""
    codes = {
        code
        for r in requests
        for code in (r.province_code, r.district_code, r.subdistrict_code)
        if code
    }
    return Names(
        categories=await incidents_service.category_names(session),
        areas=await areas_service.names(session, codes=codes),
    )


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a request's timeline as the page shows it, in the reader's language."""

    at: datetime
    kind: str
    actor: str
    to_status: str | None
    note: str
    reason: str | None
    details: dict
    person: str = ""  # who did it, for readers allowed to know (area staff)
    told: str = ""  # what the step's details say, in the reader's language


def _told(event: RequestEvent, language: str, people: dict[int, str], alerted: int = 0) -> str:
    """Say in the reader's language what a step's details record ("" when nothing).

    An assignment names the people to readers given `people` (area staff); everything else is
    worded from `DETAIL_NOTES`, so a system note reads in Thai on the Thai page. A step past
    the time limit says officials were alerted only when `alerted` notifications were recorded.
    """
    if event.kind == "escalated":
        alert = (
            translate(ALERTED, language, count=alerted)
            if alerted
            else translate(NOT_ALERTED, language)
        )
        return " ".join(filter(None, [_detail_note(event, language), alert]))
    return _detail_note(event, language, people)


def _detail_note(event: RequestEvent, language: str, people: dict[int, str] | None = None) -> str:
    """Word a step's details from `DETAIL_NOTES` (or an assignment's names) in the language."""
    details = event.details or {}
    people = people or {}
    if event.kind == "assigned" and people.get(details.get("to_user_id")):
        to = people[details["to_user_id"]]
        taken_from = people.get(details.get("from_user_id"))
        if taken_from:
            return translate(
                "Given to {name}, taken from {holder}.", language, name=to, holder=taken_from
            )
        return translate("Given to {name}.", language, name=to)
    for key, message in DETAIL_NOTES.items():
        if key not in details:
            continue
        if isinstance(message, dict):
            message = message.get(event.kind)
            if message is None:
                continue
        params = dict(details)
        if "urgency" in params:
            params["urgency"] = translate(
                URGENCY_LABELS.get(params["urgency"], params["urgency"]), language
            )
        return translate(message, language, **params)
    return ""


def timeline_entries(
    help_request: HelpRequest,
    events: list[RequestEvent],
    language: str,
    people: dict[int, str] | None = None,
    *,
    alerted: int = 0,
) -> list[TimelineEntry]:
    """Say who did each step by the part they played; by name too when `people` is given.

    System notes are told again from the step's details in the reader's language; a note
    someone typed is shown as they wrote it. `alerted`: how many escalation alerts were recorded.
    """
    people = people or {}
    volunteers = {e.actor_id for e in events if e.kind == "claimed" and e.actor_id}
    entries = []
    for event in events:
        if event.actor_id is None:
            actor = "system"
        elif event.actor_id == help_request.requester_id:
            actor = "requester"
        elif event.actor_id in volunteers or event.actor_id == help_request.claimed_by_id:
            actor = "volunteer"
        else:
            actor = "staff"
        entries.append(
            TimelineEntry(
                event.at,
                event.kind,
                actor,
                event.to_status,
                event.note,
                event.reason,
                dict(event.details or {}),
                person=people.get(event.actor_id, "") if event.actor_id else "",
                told=_told(event, language, people, alerted),
            )
        )
    return entries


def people_in(events: list[RequestEvent]) -> set[int]:
    """Return the ids of everyone a timeline mentions: who acted, and to and from whom."""
    found = {e.actor_id for e in events if e.actor_id}
    for event in events:
        for key in ("to_user_id", "from_user_id"):
            if (event.details or {}).get(key):
                found.add(event.details[key])
    return found


def moves_for(help_request: HelpRequest, actors: set[Actor]) -> dict[str, bool]:
    """Tell which buttons to show: the moves this person may make from the current status."""
    current = Status(help_request.status)
    return {to.value: can_move(current, to, actors) for to in Status if to != Status.CLAIMED}
