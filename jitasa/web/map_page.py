"""The home page: the live help map, its filters, and the words and names its scripts show."""

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.policy import Action
from jitasa.areas.boundaries import PACKAGED_OUTLINES
from jitasa.core.db import SessionDep
from jitasa.core.i18n import translate
from jitasa.core.words import URGENCIES
from jitasa.facilities import service as facilities_service
from jitasa.facilities.words import RESOURCE_NAMES
from jitasa.incidents import service as incidents_service
from jitasa.web import facility_pages
from jitasa.web import request_views as views
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
# The status filter's choices: the value sent to the API (comma-separated), and its label.
STATUS_CHOICES = {
    "open,claimed,in_progress": "Still active",
    "open": "Waiting for help",
    "claimed,in_progress": "Being helped",
    "resolved": "Resolved",
    "cancelled,closed,expired": "Closed, cancelled or expired",
}
# What the page's scripts say, as English message ids; the page sends them translated.
MESSAGES = {
    "layer_requests": "Requests for help",
    "count": "Requests in this part of the map: {count}",
    "count_newest": "Requests in this part of the map: {count}. The list shows the newest {shown}.",
    "count_none": "No requests in this part of the map.",
    "count_spot": "Requests at this spot: {count}",
    "count_stale": "No connection: showing what was loaded last.",
    "cluster": "{count} requests here. Open to zoom in.",
    "cluster_finest": "{count} requests at one spot. Open to list them.",
    "point": "{category}, {urgency}: {status}",
    "people": "{count} people",
    "person": "{count} person",
    "fact_code": "Code",
    "fact_posted": "Posted",
    "fact_people": "People",
    "fact_area": "Area",
    "live": "Live",
    "reconnecting": "Reconnecting…",
    "offline": "Not live: trying again soon",
    "near_me": "Near me",
    "near_me_label": "Show requests near me",
    "locating": "Finding your location…",
    "no_location": "Your location could not be found. Turn on location and try again.",
    "you_are_here": "You are here",
    "request_page": "Open the request page",
    "claim": "Take this request",
    "claimed": "You took this request. Its contact and address are in My tasks.",
    "to_tasks": "Open My tasks",
    "taken": "Another volunteer was faster and took this request.",
    "no_connection": "No connection. Check your internet and try again.",
    "area_filter": "Only in {area}",
    "layer_facilities": "Hospitals and other facilities",
    "facility_cluster": "{count} facilities here. Open to zoom in.",
    "facility_point": "{name} ({type}). Open for free beds and phone.",
    "facility_resource": "Resource",
    "facility_free": "Free",
    "facility_total": "Total",
    "facility_stale": "may be out of date",
}


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show the live map of requests for help over Thailand."""
    language = language_of(request)
    # Archived incidents and their requests have left the map; closed ones keep their dots.
    incidents = await incidents_service.list_incidents(session, active=None, archived=False)
    active = [incident for incident in incidents if incident.active]
    page = {
        "categories": views.category_names(incidents, language),
        "statuses": {k: translate(v, language) for k, v in views.STATUS_LABELS.items()},
        "urgencies": {k: translate(v, language) for k, v in views.URGENCY_LABELS.items()},
        "messages": {k: translate(v, language) for k, v in MESSAGES.items()},
        "may_claim": user is not None and policy.allows(user, Action.CLAIM_REQUEST),
        "facility_types": {
            t.code: {"name": t.name_th if language == "th" else t.name_en, "icon": t.icon}
            for t in await facilities_service.types(session)
        },
        "facility_statuses": {
            k: translate(v, language) for k, v in facility_pages.STATUS_LABELS.items()
        },
        "resources": {k: translate(v, language) for k, v in RESOURCE_NAMES.items()},
    }
    return render(
        request,
        "home.html",
        page=page,
        category_choices=views.category_names(active, language),
        urgency_choices=URGENCIES,
        status_choices=STATUS_CHOICES,
        urgency_labels=views.URGENCY_LABELS,
    )


@cache
def _outline_bytes(level: str) -> bytes:
    """Return a packaged outline file as stored: gzip-compressed GeoJSON."""
    return PACKAGED_OUTLINES[level].read_bytes()


def _outline_answer(level: str) -> Response:
    """Answer with a packaged outline file, gzip as stored (caching as every public answer)."""
    return Response(
        _outline_bytes(level),
        media_type="application/geo+json",
        headers={"Content-Encoding": "gzip"},
    )


# The maps draw these when the tile server cannot be reached, so a person can still tell where
# they are; they come from this server, like the page itself.
@router.get("/map/provinces.geojson")
async def province_outlines() -> Response:
    """Send Thailand's packaged province outlines (GeoJSON FeatureCollection, 77 features)."""
    return _outline_answer("provinces")


@router.get("/map/districts.geojson")
async def district_outlines() -> Response:
    """Send Thailand's packaged district outlines (GeoJSON FeatureCollection, 928 features)."""
    return _outline_answer("districts")
