"""HTTP API of help requests: create, list, nearby, duplicates, claim, transitions, timeline."""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError

from jitasa.accounts.deps import OptionalUser, client_ip, user_allowed_to
from jitasa.accounts.policy import Action, ClaimLimits
from jitasa.accounts.signin.deps import ThrottleDep
from jitasa.core import idempotency
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import DomainError
from jitasa.core.fields import ThaiPhone
from jitasa.core.map_params import one_value
from jitasa.core.shared_commits import SharedCommitsDep
from jitasa.help_requests import (
    access,
    lifecycle,
    limits,
    nearest,
    privacy,
    reads,
    service,
)
from jitasa.help_requests.deps import ValidRequest
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.params import ListFilters, list_filters
from jitasa.help_requests.schemas import (
    DuplicateCandidate,
    EventRead,
    HelpRequestCreate,
    HelpRequestFull,
    HelpRequestPage,
    HelpRequestPublic,
    NearbyRequest,
    TransitionIn,
)
from jitasa.incidents import service as incidents_service

if TYPE_CHECKING:
    from jitasa.accounts.models import User

router = APIRouter(prefix="/api/v1/requests", tags=["help requests"])
Requester = user_allowed_to(Action.REQUEST_HELP)
Helper = user_allowed_to(Action.CLAIM_REQUEST)
# The SOS form checks once or twice per submission; many more is someone probing the map.
DUPLICATE_CHECK_WINDOW_SECONDS = 600
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def claim_limits(request: Request) -> ClaimLimits:
    """Return the claim and release limits the application's settings give."""
    settings = request.app.state.settings
    return ClaimLimits(
        unverified_open=settings.unverified_open_claims,
        verified_open=settings.verified_open_claims,
        releases_per_hour=settings.releases_per_hour,
    )


async def _as_seen_now(
    session, replayed: tuple[int, dict], help_request: HelpRequest | None, user: "User"
) -> JSONResponse:
    """Answer a repeat with the request as the caller may see it now, not as it was.

    A claimer who has released the request must not get its full view back by replaying.
    """
    status_code, body = replayed
    if help_request is not None and status_code < 300:
        # After a rollback both are expired; reading them afresh also gives the state of now.
        await session.refresh(help_request)
        await session.refresh(user)
        body = reads.view(help_request, user)
    return JSONResponse(body, status_code=status_code)


async def _idempotent(
    request: Request,
    session,
    *,
    key: str | None,
    user: "User",
    payload,
    work,
    help_request: HelpRequest | None = None,
) -> JSONResponse:
    """Run `work()` once per Idempotency-Key; a repeat gets the first outcome, seen as of now."""
    scope = f"{user.id}:{request.method}:{request.url.path}"
    replayed = await idempotency.replay(session, key=key, scope=scope, payload=payload)
    if replayed:
        return await _as_seen_now(session, replayed, help_request, user)
    try:
        status_code, body = await work()
        await idempotency.remember(
            session, key=key, scope=scope, payload=payload, status_code=status_code, body=body
        )
    except (DomainError, IntegrityError):
        # The same key may have arrived twice at once, and this copy waited for the other (on
        # the key, or on the row it changes) and then failed: answer what the first one did.
        if not key:
            raise
        await session.rollback()
        replayed = await idempotency.replay(session, key=key, scope=scope, payload=payload)
        if replayed is None:
            raise
        return await _as_seen_now(session, replayed, help_request, user)
    return JSONResponse(body, status_code=status_code)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=HelpRequestFull)
async def create_request(
    request_in: HelpRequestCreate,
    user: Requester,
    request: Request,
    session: SessionDep,
    writer: SharedCommitsDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Post a request for help; a repeat with the same Idempotency-Key creates nothing.

    An account may create `requests_per_account` an hour and an address
    `requests_per_address` (staff are not counted); more answer 429 with when to try again.
    The sign-in is read in the request's session; the request is written by the shared
    commits (`core.shared_commits`: a burst of creates shares one commit), and the 201 goes
    out only once that commit has returned.
    """
    settings = request.app.state.settings
    refresh = settings.boundary_refresh_seconds
    scope = f"{user.id}:{request.method}:{request.url.path}"
    payload = request_in.model_dump(mode="json")
    address = client_ip(request)

    async def work(writing) -> tuple[int, object]:
        replayed = await idempotency.replay(writing, key=key, scope=scope, payload=payload)
        if replayed:
            return replayed
        await limits.count_creation(
            writing,
            requester=user,
            address=address,
            per_account=settings.requests_per_account,
            per_address=settings.requests_per_address,
        )
        created = await service.create(
            writing, request_in=request_in, requester=user, refresh_seconds=refresh
        )
        body = HelpRequestFull.model_validate(created).model_dump(mode="json")
        await idempotency.remember(
            writing, key=key, scope=scope, payload=payload, status_code=201, body=body
        )
        return 201, body

    await session.commit()  # the sign-in's read ends here: a replay below reads afresh
    try:
        status_code, body = await writer.run(work)
    except (DomainError, IntegrityError):
        # The same key may have arrived twice at once (PostgreSQL: in another transaction),
        # and this copy waited for the other on the key and then failed: answer what it did.
        replayed = key and await idempotency.replay(session, key=key, scope=scope, payload=payload)
        if not replayed:
            raise
        status_code, body = replayed
    return JSONResponse(body, status_code=status_code)


@router.get("", response_model=HelpRequestPage)
async def list_requests(
    user: OptionalUser,
    session: SessionDep,
    request: Request,
    filters: Annotated[ListFilters, Depends(list_filters)],
) -> dict:
    """List requests: the public view for everyone, the full view for staff of the area."""
    return await reads.list_page(
        session,
        reader=user,
        client_ip=client_ip(request),
        bbox=filters.bbox,
        area=filters.area,
        statuses=filters.status,
        categories=filters.category,
        urgencies=filters.urgency,
        limit=filters.limit,
        before_id=filters.cursor,
    )


@router.get("/mine", response_model=list[HelpRequestFull])
async def my_requests(user: Requester, session: SessionDep) -> list[HelpRequest]:
    """List the signed-in person's own requests, newest first."""
    return await reads.requests_of(session, requester=user)


@router.get("/tasks", response_model=list[HelpRequestFull])
async def my_tasks(user: Helper, session: SessionDep) -> list[HelpRequest]:
    """List the requests the signed-in volunteer has taken, newest first."""
    return await reads.tasks_of(session, helper=user)


@router.get("/nearby", response_model=list[NearbyRequest])
async def nearby(
    user: Helper,
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    radius_km: Annotated[float, Query(gt=0, le=100, allow_inf_nan=False)] = 20,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Response:
    """List open requests near a point that this volunteer may claim (not their own)."""
    allowed = await lifecycle.claimable_categories(session, user=user)
    found = await nearest.open_near(
        session,
        lat=lat,
        lon=lon,
        radius_km=radius_km,
        limit=limit,
        categories=allowed,
        not_of_requester_id=user.id,
    )
    return Response(nearest.as_json(found), media_type="application/json")


@router.get("/duplicates", response_model=list[DuplicateCandidate])
async def duplicates(
    user: Requester,
    request: Request,
    throttle: ThrottleDep,
    session: SessionDep,
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    phone: Annotated[ThaiPhone | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=40)] = None,
) -> list:
    """Warn before submitting: the asker's requests with this phone, and the same kind here."""
    settings = request.app.state.settings
    for key, limit in (
        (f"duplicates:user:{user.id}", settings.duplicate_checks_per_account),
        (f"duplicates:ip:{client_ip(request)}", settings.duplicate_checks_per_address),
    ):
        await throttle.hit(key, limit=limit, window_seconds=DUPLICATE_CHECK_WINDOW_SECONDS)
    found = await service.possible_duplicates(
        session,
        asker=user,
        phone=phone or user.phone,
        category=one_value(category, await incidents_service.category_codes(session), "category"),
        lat=lat,
        lon=lon,
    )
    return [
        {"request": HelpRequestPublic.model_validate(r), "same_phone": same, "distance_m": metres}
        for r, same, metres in found
    ]


@router.get("/{request_id}", response_model=HelpRequestFull | HelpRequestPublic)
async def get_request(
    help_request: ValidRequest, user: OptionalUser, request: Request, session: SessionDep
) -> dict:
    """Return one request: the full view for its people, the public view for everyone else."""
    return await reads.read_one(
        session, help_request=help_request, reader=user, client_ip=client_ip(request)
    )


@router.post("/{request_id}/claim", response_model=HelpRequestFull)
async def claim(
    help_request: ValidRequest,
    user: Helper,
    request: Request,
    session: WriteSessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Claim an open request; 409 `request.not_open` when someone else was first."""

    async def work():
        claimed = await lifecycle.claim(
            session,
            help_request=help_request,
            user=user,
            limits=claim_limits(request),
            client_ip=client_ip(request),
        )
        return 200, HelpRequestFull.model_validate(claimed).model_dump(mode="json")

    return await _idempotent(
        request, session, key=key, user=user, payload={}, work=work, help_request=help_request
    )


@router.post("/{request_id}/withdraw", status_code=status.HTTP_204_NO_CONTENT)
async def withdraw(help_request: ValidRequest, user: Requester, session: WriteSessionDep) -> None:
    """Withdraw consent: cancel the caller's own request and remove its personal data now."""
    await privacy.withdraw(session, help_request=help_request, user=user)


@router.post("/{request_id}/transition", response_model=HelpRequestFull)
async def transition(
    help_request: ValidRequest,
    transition_in: TransitionIn,
    user: Requester,
    request: Request,
    session: WriteSessionDep,
    key: IdempotencyKey = None,
) -> JSONResponse:
    """Move a request along the state machine (resolve, release, cancel, close…)."""

    async def work():
        moved = await lifecycle.transition(
            session,
            help_request=help_request,
            user=user,
            to=transition_in.to,
            note=transition_in.note,
            reason=transition_in.reason,
            limits=claim_limits(request),
            client_ip=client_ip(request),
        )
        return 200, reads.view(moved, user)

    return await _idempotent(
        request,
        session,
        key=key,
        user=user,
        payload=transition_in.model_dump(mode="json"),
        work=work,
        help_request=help_request,
    )


@router.get("/{request_id}/events", response_model=list[EventRead])
async def events(help_request: ValidRequest, user: Requester, session: SessionDep) -> list:
    """Return the request's timeline (its requester, its volunteer and area staff)."""
    access.require_full_view(help_request, user)
    return await reads.timeline(session, help_request=help_request)
