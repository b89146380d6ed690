"""What the request pages show: labels, names of categories and areas, times, timelines, moves."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.areas import service as areas_service
from jitasa.core.thai import BANGKOK, format_date, format_phone
from jitasa.core.words import Urgency
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.help_requests.states import Actor, CloseReason, Status, can_move
from jitasa.incidents import service as incidents_service
from jitasa.incidents.models import Incident

# English message ids; the templates translate them with _().
STATUS_LABELS = {
    Status.OPEN: "Waiting for help",
    Status.CLAIMED: "A volunteer has taken it",
    Status.IN_PROGRESS: "Help is on the way",
    Status.RESOLVED: "Resolved",
    Status.CANCELLED: "Cancelled",
    Status.CLOSED: "Closed",
    Status.EXPIRED: "Expired",
}
URGENCY_LABELS = {
    Urgency.RED: "Red: severe",
    Urgency.YELLOW: "Yellow: at risk",
    Urgency.GREEN: "Green: mild",
    Urgency.URGENT: "Urgent",
    Urgency.NORMAL: "Not urgent",
}
# Triage colours of thai.md, described in words a frightened person can choose from.
TRIAGE = [
    (Urgency.GREEN, "Green", "No or mild symptoms, and no risk factors."),
    (
        Urgency.YELLOW,
        "Yellow",
        "Risk factors (over 60, a chronic disease, obesity…), chest tightness or pneumonia.",
    ),
    (Urgency.RED, "Red", "Severe breathlessness or severe pneumonia: needs a hospital now."),
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
    "escalated": "Waiting too long: officials were alerted",
    "stale_claim": "No update for a long time",
    "anonymised": "Personal details removed",
}
ACTOR_LABELS = {
    "requester": "Requester",
    "volunteer": "Volunteer",
    "staff": "Official",
    "system": "System",
}
CLOSE_REASON_LABELS = {
    CloseReason.DUPLICATE: "Duplicate of another request",
    CloseReason.UNREACHABLE: "Could not reach the requester",
    CloseReason.OUT_OF_SCOPE: "Out of scope",
    CloseReason.DONE_BY_OTHERS: "Helped by others",
    CloseReason.NO_LONGER_NEEDED: "No longer needed",
}


def when(moment: datetime | None, language: str) -> str:
    """Show a time in Asia/Bangkok, with the Buddhist Era year in Thai: "25 พ.ย. 2569 14:05 น."."""
    if moment is None:
        return ""
    local = moment.astimezone(BANGKOK)
    clock = local.strftime("%H:%M")
    return f"{format_date(local, language)} {clock}" + (" น." if language == "th" else "")


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
        """Name where the request is, most precise area first: "เมืองเชียงใหม่, เชียงใหม่"."""
        codes = (help_request.subdistrict_code, help_request.district_code)
        codes += (help_request.province_code,)
        found = [self.areas[c] for c in codes if c and c in self.areas]
        return ", ".join(n[0] if language == "th" else n[1] for n in found)


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
    """One line of a request's timeline as the page shows it."""

    at: datetime
    kind: str
    actor: str
    to_status: str | None
    note: str
    reason: str | None


def timeline_entries(help_request: HelpRequest, events: list[RequestEvent]) -> list[TimelineEntry]:
    """Say who did each step by the part they played, never by name."""
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
            TimelineEntry(event.at, event.kind, actor, event.to_status, event.note, event.reason)
        )
    return entries


def moves_for(help_request: HelpRequest, actors: set[Actor]) -> dict[str, bool]:
    """Tell which buttons to show: the moves this person may make from the current status."""
    current = Status(help_request.status)
    return {to.value: can_move(current, to, actors) for to in Status if to != Status.CLAIMED}
