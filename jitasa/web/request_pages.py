"""Pages of help requests: SOS form, my requests, request detail, near me, my tasks, incidents."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts import policy
from jitasa.accounts import service as accounts_service
from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, WriteSessionDep, utcnow
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.i18n import translate
from jitasa.core.words import Role
from jitasa.facilities import beds
from jitasa.help_requests import access, assigning, lifecycle, reads, transport
from jitasa.help_requests.deps import ValidRequest
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.router import claim_limits
from jitasa.help_requests.states import ACTIVE, TAKEN, Actor, Status
from jitasa.incidents import service as incidents_service
from jitasa.incidents.models import DEFAULT_SLA_MINUTES
from jitasa.notifications import intake
from jitasa.notifications import service as notifications_service
from jitasa.volunteers import service as volunteers_service
from jitasa.web import account_views as volunteer_labels
from jitasa.web import request_views as views
from jitasa.web.account_views import sign_in_first
from jitasa.web.incident_form import IncidentForm, read_incident_form
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
CANDIDATES_SHOWN = 15
DESTINATIONS_SHOWN = 8
NEARBY_RADII_KM = (2, 5, 10, 20, 50)
DEFAULT_RADIUS_KM = 20


def _common(request: Request, user: User | None) -> dict:
    """Return what every request page's template needs besides its own data."""
    language = language_of(request)
    return {
        "user": user,
        "when": lambda moment: views.when(moment, language),
        "phone_for_display": views.phone_for_display,
        "map_link": views.map_link,
        "status_labels": views.STATUS_LABELS,
        "status_names": {k: translate(v, language) for k, v in views.STATUS_LABELS.items()},
        "urgency_names": {k: translate(v, language) for k, v in views.URGENCY_LABELS.items()},
        "urgency_labels": views.URGENCY_LABELS,
        "event_labels": views.EVENT_LABELS,
        "actor_labels": views.ACTOR_LABELS,
        "close_reasons": views.CLOSE_REASON_LABELS,
        "next_step": views.next_step,
    }


async def _timelines(
    session: AsyncSession, help_requests: list[HelpRequest], language: str, *, named: bool = False
) -> dict[int, list[views.TimelineEntry]]:
    """Load the timelines of several requests, told by the part each actor played.

    `named`: the reader is the area's staff, who may know who did what.
    """
    found = await reads.timelines(session, help_requests=help_requests)
    people = {}
    if named:
        mentioned = {uid for events in found.values() for uid in views.people_in(events)}
        people = await accounts_service.display_names(session, user_ids=mentioned)
    # "Officials were alerted" only where an alert was recorded: asked only when some request
    # has waited past its time limit.
    overdue = {rid for rid, events in found.items() if any(e.kind == "escalated" for e in events)}
    alerted = await notifications_service.counts_by_request(
        session, request_ids=overdue, kind=views.ESCALATION_ALERT
    )
    by_id = {r.id: r for r in help_requests}
    return {
        rid: views.timeline_entries(
            by_id[rid], events, language, people, alerted=alerted.get(rid, 0)
        )
        for rid, events in found.items()
    }


async def _staff_part(
    session: AsyncSession, request: Request, help_request: HelpRequest, user: User
) -> dict:
    """Return what area staff see on a request page: who holds it, whom they could give it to."""
    holder = None
    if help_request.claimed_by_id:
        holder = (
            await accounts_service.display_names(session, user_ids={help_request.claimed_by_id})
        ).get(help_request.claimed_by_id)
    found = []
    if help_request.status in ACTIVE:
        found = await assigning.candidates(
            session,
            help_request=help_request,
            staff=user,
            client_ip=client_ip(request),
            limit=CANDIDATES_SHOWN,
        )
    return {"holder": holder, "candidates": found}


async def _transport_part(
    session: AsyncSession, help_request: HelpRequest, user: User | None, actors: set[Actor]
) -> dict:
    """Return a transport's destination for its people, and the driver's choices while taken."""
    kind = await incidents_service.transport_kind(
        session, incident_id=help_request.incident_id, category_code=help_request.category
    )
    if kind is None:
        return {"transport": None}
    destination = None
    if help_request.destination_id:
        found = await beds.names(session, facility_ids={help_request.destination_id})
        destination = found.get(help_request.destination_id)
    choices = []
    drives = actors & {Actor.CLAIMER, Actor.AREA_STAFF}
    if drives and help_request.status in TAKEN:
        choices = await transport.destinations(
            session, help_request=help_request, user=user, limit=DESTINATIONS_SHOWN
        )
    return {
        "transport": kind,
        "destination": destination,
        "destinations": choices,
        "drives": bool(drives),
        "mobility_labels": views.MOBILITY_LABELS,
        "stage_labels": views.STAGE_LABELS,
    }


@router.get("/sos", response_class=HTMLResponse)
async def sos_form(
    request: Request, user: OptionalUser, session: SessionDep, draft: str = ""
) -> Response:
    """Show the SOS form: pin, category, urgency, contact and consent (a LINE draft filled in)."""
    if user is None:
        return sign_in_first(request)
    # The default incident first: it is the one chosen unless the person picks another.
    incidents = sorted(
        await incidents_service.list_incidents(session, active=True),
        key=lambda incident: not incident.is_default,
    )
    line_draft = await intake.by_token(session, token=draft[:64], now=utcnow()) if draft else None
    return render(
        request,
        "requests/sos.html",
        **_common(request, user),
        incidents=incidents,
        triage=views.TRIAGE,
        other_urgencies=views.OTHER_URGENCIES,
        mobility_labels=views.MOBILITY_LABELS,
        own_phone=views.phone_for_display(user.phone),
        draft=line_draft,
        category_names=views.category_names(incidents, language_of(request)),
    )


@router.get("/requests/mine", response_class=HTMLResponse)
async def my_requests(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show the signed-in person's requests with their status and timeline."""
    if user is None:
        return sign_in_first(request)
    mine = await reads.requests_of(session, requester=user)
    return render(
        request,
        "requests/mine.html",
        **_common(request, user),
        help_requests=mine,
        names=await views.load_names(session, mine),
        timelines=await _timelines(session, mine, language_of(request)),
        moves={r.id: views.moves_for(r, {Actor.REQUESTER}) for r in mine},
    )


@router.get("/requests/{request_id}", response_class=HTMLResponse)
async def request_detail(
    help_request: ValidRequest, request: Request, user: OptionalUser, session: SessionDep
) -> Response:
    """Show one request: everything to its people, the public view to everyone else."""
    shown = await reads.read_one(
        session, help_request=help_request, reader=user, client_ip=client_ip(request)
    )
    actors = access.actors_of(help_request, user)
    full = access.sees_everything(help_request, user)
    is_staff = Actor.AREA_STAFF in actors
    timeline = []
    if full:
        timelines = await _timelines(session, [help_request], language_of(request), named=is_staff)
        timeline = timelines[help_request.id]
    helper = None
    if full and help_request.status in TAKEN and help_request.claimed_by_id not in (None, user.id):
        helper = await accounts_service.get_or_raise(session, user_id=help_request.claimed_by_id)
    sent = []
    if is_staff:
        sent = await notifications_service.of_request(session, request_id=help_request.id)
    may_claim = (
        help_request.status == Status.OPEN
        and user is not None
        and policy.allows(user, Action.CLAIM_REQUEST)
    )
    if may_claim and policy.is_staff(user):  # staff see the button only when it would work
        may_claim = await lifecycle.would_take(
            session, help_request=help_request, user=user, limits=claim_limits(request)
        )
    staff_part = await _staff_part(session, request, help_request, user) if is_staff else {}
    transport_part = (
        await _transport_part(session, help_request, user, actors) if full else {"transport": None}
    )
    return render(
        request,
        "requests/detail.html",
        **_common(request, user),
        help_request=help_request,
        shown=shown,
        full=full,
        names=await views.load_names(session, [help_request]),
        timeline=timeline,
        moves=views.moves_for(help_request, actors),
        is_staff=is_staff,
        helper=helper,
        notifications=sent,
        notification_kinds=views.NOTIFICATION_KINDS,
        delivery_labels=views.DELIVERY_LABELS,
        may_claim=may_claim,
        active=help_request.status in ACTIVE,
        kinds=volunteer_labels.KIND_LABELS,
        vehicles=volunteer_labels.VEHICLE_LABELS,
        **staff_part,
        **transport_part,
    )


def _helper_page(request: Request, user: User | None) -> Response | None:
    """Return the page to show instead when the visitor may not help, else None."""
    if user is None:
        return sign_in_first(request)
    if not policy.allows(user, Action.CLAIM_REQUEST):
        return render(
            request, "requests/not_volunteer.html", status_code=403, **_common(request, user)
        )
    return None


@router.get("/volunteer/nearby", response_class=HTMLResponse)
async def near_me(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show the open requests near the volunteer, each one tap from being claimed."""
    refused = _helper_page(request, user)
    if refused:
        return refused
    volunteer = await volunteers_service.get_for_user(session, user=user)
    incidents = await incidents_service.list_incidents(session, active=None)
    radius = DEFAULT_RADIUS_KM
    if volunteer is not None:
        radius = min(NEARBY_RADII_KM, key=lambda r: abs(r - volunteer.service_radius_km))
    # A helper claims within their service radius of home, to the public pin (staff: in their
    # area): the list marks what lies beyond it instead of offering a claim refused at once.
    staff = {Role.ADMIN, Role.COORDINATOR} & set(user.roles)
    reach_km = volunteer.service_radius_km if volunteer is not None and not staff else None
    return render(
        request,
        "requests/nearby.html",
        **_common(request, user),
        volunteer=volunteer,
        radii=NEARBY_RADII_KM,
        radius=radius,
        reach_km=reach_km,
        category_names=views.category_names(incidents, language_of(request)),
    )


@router.get("/volunteer/tasks", response_class=HTMLResponse)
async def my_tasks(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Show the requests the volunteer has taken, with everything needed to help."""
    refused = _helper_page(request, user)
    if refused:
        return refused
    tasks = await reads.tasks_of(session, helper=user)
    return render(
        request,
        "requests/tasks.html",
        **_common(request, user),
        tasks=tasks,
        names=await views.load_names(session, tasks),
        moves={r.id: views.moves_for(r, {Actor.CLAIMER}) for r in tasks},
    )


async def _incidents_page(
    request: Request,
    session: AsyncSession,
    user: User,
    form: IncidentForm,
    status_code: int = 200,
    change_error: str | None = None,
) -> Response:
    """Render the incidents admin page with the form as it stands."""
    return render(
        request,
        "requests/admin_incidents.html",
        status_code=status_code,
        **_common(request, user),
        incidents=await incidents_service.list_incidents(session, active=None),
        form=form,
        created=request.query_params.get("created"),
        changed=request.query_params.get("changed"),
        change_error=change_error,
    )


@router.get("/admin/incidents", response_class=HTMLResponse)
async def incidents_admin(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """List incidents and offer the form to add one (admins)."""
    if user is None:
        return sign_in_first(request, staff=True)
    policy.require(user, Action.MANAGE_INCIDENTS)
    return await _incidents_page(request, session, user, IncidentForm.empty(DEFAULT_SLA_MINUTES))


@router.post("/admin/incidents", response_class=HTMLResponse)
async def add_incident(request: Request, user: OptionalUser, session: WriteSessionDep) -> Response:
    """Add an incident with its categories from the form (admins)."""
    if user is None:
        return sign_in_first(request, staff=True)
    policy.require(user, Action.MANAGE_INCIDENTS)
    form = read_incident_form(await request.form(), language_of(request))
    if form.incident_in is not None:
        try:
            incident = await incidents_service.create(session, incident_in=form.incident_in)
        except DomainError as error:
            form.errors.append(error.detail_th if language_of(request) == "th" else error.detail)
        else:
            return RedirectResponse(
                f"/admin/incidents?created={quote(incident.code)}", status_code=303
            )
    return await _incidents_page(request, session, user, form, status_code=422)


INCIDENT_CHANGES = {
    "default": incidents_service.make_default,
    "close": incidents_service.close,
    "reopen": incidents_service.reopen,
    "archive": incidents_service.archive,
}


@router.post("/admin/incidents/change", response_class=HTMLResponse)
async def change_incident(
    request: Request, user: OptionalUser, session: WriteSessionDep
) -> Response:
    """Make an incident the default, close, reopen or archive it (admins; form: code, action)."""
    if user is None:
        return sign_in_first(request, staff=True)
    policy.require(user, Action.MANAGE_INCIDENTS)
    form = await request.form()
    code, action = str(form.get("code", ""))[:40], str(form.get("action", ""))
    change = INCIDENT_CHANGES.get(action)
    try:
        if change is None:
            raise Invalid("incidents.no_such_change", "Choose what to do with the incident.")
        await change(session, code=code)
    except DomainError as error:
        await session.rollback()
        message = error.detail_th if language_of(request) == "th" else error.detail
        empty = IncidentForm.empty(DEFAULT_SLA_MINUTES)
        return await _incidents_page(
            request, session, user, empty, status_code=error.status, change_error=message
        )
    return RedirectResponse(f"/admin/incidents?changed={quote(code)}", status_code=303)
