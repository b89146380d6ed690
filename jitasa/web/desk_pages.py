"""The coordinator's desk, where staff land after signing in, and the roster of the area."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jitasa.accounts import service as accounts_service
from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.accounts.policy import Action
from jitasa.core.db import SessionDep, utcnow
from jitasa.core.fields import MAX_ROW_ID, AreaCode
from jitasa.core.i18n import translate
from jitasa.core.map_params import split_values
from jitasa.core.words import BY_NEED
from jitasa.dashboard import roster, scope
from jitasa.help_requests import desk
from jitasa.help_requests.states import ACTIVE, CloseReason, Status
from jitasa.incidents import service as incidents_service
from jitasa.web import account_views, request_views
from jitasa.web.account_views import sign_in_first
from jitasa.web.desk_views import area_choices, top_of, waited
from jitasa.web.export_links import export_query
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
Values = Annotated[list[str] | None, Query(max_length=200)]


@router.get("/desk", response_class=HTMLResponse)
async def desk_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
    status: Values = None,
    category: Values = None,
    urgency: Values = None,
) -> Response:
    """Show the area's queue, past their limit first, then by urgency and age; bulk closing."""
    if user is None:
        return sign_in_first(request, staff=True)
    shown = await scope.area_of(session, user=user, area=area, action=Action.MANAGE_REQUESTS)
    statuses = split_values(status, {s.value for s in Status}, "status")
    urgencies = split_values(urgency, {u.value for u in BY_NEED}, "urgency")
    categories = await incidents_service.known_categories(session, category)
    found, total = await desk.queue(
        session,
        staff=user,
        area=shown,
        statuses=statuses,
        categories=categories,
        urgencies=urgencies,
        client_ip=client_ip(request),
    )
    language = language_of(request)
    incidents = await incidents_service.list_incidents(session, active=None)
    holders = await accounts_service.display_names(
        session, user_ids={r.claimed_by_id for r in found if r.claimed_by_id}
    )
    now = utcnow()
    return render(
        request,
        "desk/desk.html",
        user=user,
        area=shown,
        areas=await area_choices(session, top=top_of(user), area=shown, language=language),
        help_requests=found,
        total=total,
        holders=holders,
        names=await request_views.load_names(session, found),
        when=lambda moment: request_views.when(moment, language),
        waited=lambda r: waited(r.created_at, now, language),
        past_sla=lambda r: r.status == Status.OPEN and r.sla_breached_at is not None,
        chosen={"status": statuses, "category": categories, "urgency": urgencies},
        # The queue shows the active requests unless statuses are chosen: so does its export.
        export=export_query(
            area=shown,
            status=statuses or sorted(ACTIVE),
            category=categories,
            urgency=urgencies,
        ),
        status_names={s.value: translate(request_views.STATUS_LABELS[s], language) for s in Status},
        urgency_names={
            u.value: translate(request_views.URGENCY_LABELS[u], language) for u in BY_NEED
        },
        category_names=request_views.category_names(incidents, language),
        close_reasons={r.value: request_views.CLOSE_REASON_LABELS[r] for r in CloseReason},
        status_labels=request_views.STATUS_LABELS,
        urgency_labels=request_views.URGENCY_LABELS,
    )


@router.get("/roster", response_class=HTMLResponse)
async def roster_page(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
) -> Response:
    """Show the area's volunteers: verification, kind, skills, vehicle, activity and tasks."""
    if user is None:
        return sign_in_first(request, staff=True)
    shown = await scope.area_of(session, user=user, area=area, action=Action.LIST_VOLUNTEERS)
    rows, next_cursor = await roster.roster(
        session, staff=user, area=shown, client_ip=client_ip(request), cursor=cursor
    )
    language = language_of(request)
    here = "/roster" + (f"?area={shown}" if shown else "")
    return render(
        request,
        "desk/roster.html",
        user=user,
        area=shown,
        areas=await area_choices(session, top=top_of(user), area=shown, language=language),
        rows=rows,
        when=lambda moment: request_views.when(moment, language),
        phone_for_display=request_views.phone_for_display,
        kinds=account_views.KIND_LABELS,
        vehicles=account_views.VEHICLE_LABELS,
        refusals=account_views.REFUSAL_LABELS,
        next_page=f"{here}{'&' if shown else '?'}cursor={next_cursor}" if next_cursor else "",
        export=export_query(area=shown),
    )
