"""The only place that decides whether a user may do something, by role and area."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from jitasa.accounts.models import User
from jitasa.core.errors import Conflict, Forbidden, TooManyRequests, Unauthorized
from jitasa.core.thai import format_moment
from jitasa.core.words import CODE_LENGTHS, Role


class Action(StrEnum):
    """Everything the policy decides on."""

    READ_ME = "me.read"
    MANAGE_OWN_TOKENS = "tokens.manage_own"
    REGISTER_VOLUNTEER = "volunteers.register"
    LIST_VOLUNTEERS = "volunteers.list"
    READ_VOLUNTEER = "volunteers.read"
    VERIFY_VOLUNTEER = "volunteers.verify"
    SET_VILLAGE = "volunteers.set_village"
    MANAGE_USERS = "users.manage"
    READ_AUDIT = "audit.read"
    MANAGE_INCIDENTS = "incidents.manage"
    REQUEST_HELP = "requests.create"
    CLAIM_REQUEST = "requests.claim"
    MANAGE_REQUESTS = "requests.manage"
    ASSIGN_REQUEST = "requests.assign"
    MERGE_REQUEST = "requests.merge"
    MANAGE_FACILITIES = "facilities.manage"
    UPDATE_CAPACITY = "facilities.capacity"
    READ_STATS = "stats.read"
    IMPORT_DATA = "imports.run"
    FOLLOW_UP_VILLAGE = "vaccination.follow_up"
    READ_REGISTER_FIGURES = "vaccination.figures"


@dataclass(frozen=True)
class Rule:
    """Who may take an action: any signed-in user, or some roles; inside their area or anywhere."""

    roles: frozenset[Role] | None
    area_scoped: bool = False


STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})
RULES: dict[Action, Rule] = {
    Action.READ_ME: Rule(roles=None),
    Action.MANAGE_OWN_TOKENS: Rule(roles=None),
    Action.REGISTER_VOLUNTEER: Rule(roles=None),
    Action.LIST_VOLUNTEERS: Rule(STAFF, area_scoped=True),
    Action.READ_VOLUNTEER: Rule(STAFF, area_scoped=True),
    Action.VERIFY_VOLUNTEER: Rule(STAFF, area_scoped=True),
    # Making an อสม. the volunteer of a village: staff covering their home and the village.
    Action.SET_VILLAGE: Rule(STAFF, area_scoped=True),
    Action.MANAGE_USERS: Rule(frozenset({Role.ADMIN})),
    Action.READ_AUDIT: Rule(STAFF, area_scoped=True),
    Action.MANAGE_INCIDENTS: Rule(frozenset({Role.ADMIN})),
    Action.REQUEST_HELP: Rule(roles=None),
    Action.CLAIM_REQUEST: Rule(frozenset({Role.VOLUNTEER, Role.COORDINATOR})),
    Action.MANAGE_REQUESTS: Rule(STAFF, area_scoped=True),
    Action.ASSIGN_REQUEST: Rule(STAFF, area_scoped=True),
    Action.MERGE_REQUEST: Rule(STAFF, area_scoped=True),
    Action.MANAGE_FACILITIES: Rule(STAFF, area_scoped=True),
    Action.UPDATE_CAPACITY: Rule(STAFF, area_scoped=True),
    Action.READ_STATS: Rule(STAFF, area_scoped=True),
    # Rows outside the importer's area are refused one by one (jitasa.imports).
    Action.IMPORT_DATA: Rule(STAFF, area_scoped=True),
    # A village's residents and doses: area staff, and its อสม. (`require_village`).
    Action.FOLLOW_UP_VILLAGE: Rule(STAFF, area_scoped=True),
    Action.READ_REGISTER_FIGURES: Rule(STAFF, area_scoped=True),
}
FACILITY_SCOPE = "facility:{facility_id}"


def covers(scope: str | None, area_code: str | None) -> bool:
    """Tell whether an area scope holds an area (DOPA codes nest by prefix)."""
    if not scope or not area_code or len(scope) not in CODE_LENGTHS:
        return False
    return area_code.startswith(scope)


def allows(user: User | None, action: Action, *, area_code: str | None = None) -> bool:
    """Tell whether the user may take the action on something in `area_code`.

    For an area-scoped action, `area_code=None` means everywhere, which only admins cover.
    """
    try:
        require(user, action, area_code=area_code)
    except (Unauthorized, Forbidden):
        return False
    return True


def require(user: User | None, action: Action, *, area_code: str | None = None) -> User:
    """Return the user when they may take the action; otherwise raise 401 or 403."""
    if user is None or not user.is_active:
        raise Unauthorized("auth.required", "Please sign in first.")
    rule = RULES[action]
    if Role.ADMIN in user.roles:
        return user
    if rule.roles is not None and not (user.roles & rule.roles):
        raise Forbidden("auth.forbidden", "Your role does not allow this.")
    if rule.area_scoped and not covers(user.area_code, area_code):
        raise Forbidden(
            "auth.out_of_area",
            "This is outside your area ({scope}).",
            {"scope": user.area_code or "-"},
        )
    return user


def require_village(user: User | None, *, village_code: str, vhv_area: str | None) -> User:
    """Let area staff, or the village's อสม., follow up a village's residents (list them, add
    one, record a dose). `vhv_area` is the area of the user's profile when they are an อสม.
    (volunteer kind `vhv`): the village itself, or the subdistrict holding it."""
    near_home = bool(vhv_area) and len(vhv_area) >= 6 and village_code.startswith(vhv_area)
    if user is not None and user.is_active and near_home:
        return user
    return require(user, Action.FOLLOW_UP_VILLAGE, area_code=village_code)


def facility_scope(facility_id: int) -> str:
    """Return the scope of an API token that may push one facility's capacity and nothing else."""
    return FACILITY_SCOPE.format(facility_id=facility_id)


def require_unscoped(token_scope: str | None) -> None:
    """Refuse a scoped token (a hospital system's) anywhere but the one thing it is for."""
    if token_scope is not None:
        raise Forbidden(
            "auth.token_scope",
            "This API token may only be used for {scope}.",
            {"scope": token_scope},
        )


def require_capacity(
    user: User | None, *, facility_id: int, area_code: str | None, token_scope: str | None
) -> User:
    """Let staff of the facility's area, or a token scoped to this very facility, set capacity."""
    if token_scope is None:
        return require(user, Action.UPDATE_CAPACITY, area_code=area_code)
    if user is None or not user.is_active:
        raise Unauthorized("auth.required", "Please sign in first.")
    if token_scope != facility_scope(facility_id):
        raise Forbidden(
            "auth.token_scope",
            "This API token may only be used for {scope}.",
            {"scope": token_scope},
        )
    return user


def allows_capacity(
    user: User | None, *, facility_id: int, area_code: str | None, token_scope: str | None = None
) -> bool:
    """Tell whether the user may set the facility's capacity (see `require_capacity`)."""
    try:
        require_capacity(
            user, facility_id=facility_id, area_code=area_code, token_scope=token_scope
        )
    except (Unauthorized, Forbidden):
        return False
    return True


def require_claim(user: User | None, *, verified_volunteer: bool, sensitive: bool) -> User:
    """Let a volunteer claim a request; medical and transport ones need a verified volunteer."""
    require(user, Action.CLAIM_REQUEST)
    if sensitive and not verified_volunteer and Role.ADMIN not in user.roles:
        raise Forbidden(
            "auth.unverified_volunteer",
            "Only verified volunteers may take medical or transport requests; ask your area's "
            "coordinator to verify you.",
        )
    return user


def allows_claim(user: User | None, *, verified_volunteer: bool, sensitive: bool) -> bool:
    """Tell whether the user may claim a request (see `require_claim`)."""
    try:
        require_claim(user, verified_volunteer=verified_volunteer, sensitive=sensitive)
    except (Unauthorized, Forbidden):
        return False
    return True


def require_transport_helper(
    user: User, *, transport: str | None, vehicle: bool, ppe_trained: bool
) -> None:
    """Let only a helper with a vehicle take a transport, and only a PPE-trained one the deceased.

    `transport` is None (not a transport), "patient" or "body". Raises 403 `claims.no_vehicle`
    or `claims.no_ppe_training`.
    """
    if transport is None or Role.ADMIN in user.roles:
        return
    if not vehicle:
        raise Forbidden(
            "claims.no_vehicle",
            "Only volunteers with a vehicle may take transport requests; add your vehicle to "
            "your volunteer profile.",
        )
    if transport == "body" and not ppe_trained:
        raise Forbidden(
            "claims.no_ppe_training",
            "Only volunteers trained in protective equipment (PPE) may move the deceased; mark "
            "the training on your volunteer profile once you have it.",
        )


def allows_transport(
    user: User, *, transport: str | None, vehicle: bool, ppe_trained: bool
) -> bool:
    """Tell whether the helper may take this kind of transport (`require_transport_helper`)."""
    try:
        require_transport_helper(
            user, transport=transport, vehicle=vehicle, ppe_trained=ppe_trained
        )
    except Forbidden:
        return False
    return True


def require_transport_assignable(
    *, name: str, transport: str | None, vehicle: bool, ppe_trained: bool
) -> None:
    """Assign a transport only to a volunteer with a vehicle (and PPE training for the deceased).

    The same rule as `require_transport_helper`, worded for the coordinator: 409
    `assign.no_vehicle` or `assign.no_ppe_training`.
    """
    if transport is None:
        return
    if not vehicle:
        raise Conflict(
            "assign.no_vehicle",
            "{name} has no vehicle on their profile; a transport needs a volunteer with one.",
            {"name": name},
        )
    if transport == "body" and not ppe_trained:
        raise Conflict(
            "assign.no_ppe_training",
            "{name} is not trained in protective equipment (PPE); moving the deceased needs "
            "someone who is.",
            {"name": name},
        )


def is_staff(user: User | None) -> bool:
    """Tell whether the person works an area's desk (coordinators and admins)."""
    return user is not None and user.is_active and bool(user.roles & STAFF)


def require_staff(user: User | None) -> User:
    """Let only coordinators and admins use a desk tool (each item is then checked by area)."""
    if user is None or not user.is_active:
        raise Unauthorized("auth.required", "Please sign in first.")
    if not is_staff(user):
        raise Forbidden("auth.forbidden", "Your role does not allow this.")
    return user


def require_assignable(*, name: str, verified: bool, available: bool) -> None:
    """Assign only to a volunteer the area vouched for and who says they can help now."""
    if not verified:
        raise Conflict(
            "assign.unverified_volunteer",
            "{name} is not verified yet: verify them on the roster first, or choose a verified "
            "volunteer.",
            {"name": name},
        )
    if not available:
        raise Conflict(
            "assign.unavailable_volunteer",
            "{name} has said they cannot help right now; choose another volunteer.",
            {"name": name},
        )


def require_reassign_confirmed(
    *,
    holder: str | None,
    confirmed: bool,
    status: str,
    claimed_by_id: int | None,
    claimed_at: datetime | None,
) -> None:
    """Take a request from the volunteer holding it only when the coordinator confirmed it.

    The 409 `request.taken` says who holds it since when, in Bangkok time ("25 Nov 2026
    14:05"; in Thai with the BE year), and gives `current` (status, holder's id, claimed_at as
    ISO 8601) for programs, so a coordinator who opened the request before a volunteer claimed
    it never wipes the claim unseen.
    """
    if holder is None or confirmed:
        return
    current = {
        "status": status,
        "claimed_at": claimed_at.isoformat() if claimed_at else None,
        "claimed_by_id": claimed_by_id,
    }
    if claimed_at is None:
        raise Conflict(
            "request.taken",
            "{holder} holds this request; reload it, or confirm to take it from them and give "
            "it to another volunteer.",
            {"holder": holder},
            extensions={"current": current},
        )
    raise Conflict(
        "request.taken",
        "{holder} has held this request since {claimed_at}; reload it, or confirm to take it "
        "from them and give it to another volunteer.",
        {"holder": holder, "claimed_at": format_moment(claimed_at, "en")},
        extensions={"current": current},
        params_th={"claimed_at": format_moment(claimed_at, "th")},
    )


@dataclass(frozen=True)
class ClaimLimits:
    """How many requests a helper may hold at once and give back in an hour (from settings)."""

    unverified_open: int = 1
    verified_open: int = 5
    releases_per_hour: int = 3


def require_reach(
    user: User, *, area_code: str | None, distance_km: float | None, radius_km: float
) -> None:
    """Let a helper claim only within their service radius from home; staff also in their area."""
    if Role.ADMIN in user.roles:
        return
    if Role.COORDINATOR in user.roles and covers(user.area_code, area_code):
        return
    if distance_km is None:
        raise Forbidden(
            "claims.no_home",
            "Register as a volunteer with your home pin first; you can claim requests within "
            "your service radius of it.",
        )
    if distance_km > radius_km:
        raise Forbidden(
            "claims.out_of_reach",
            "This request is {distance_km} km from your home; you can claim within your service "
            "radius of {radius_km} km.",
            {"distance_km": round(distance_km, 1), "radius_km": round(radius_km, 1)},
        )


def require_open_claims(user: User, *, verified: bool, holding: int, limits: ClaimLimits) -> None:
    """Refuse one more claim to a helper who already holds as many requests as they may."""
    if Role.ADMIN in user.roles:
        return
    trusted = verified or Role.COORDINATOR in user.roles
    limit = limits.verified_open if trusted else limits.unverified_open
    if holding >= limit:
        raise Conflict(
            "claims.too_many_open",
            "You already hold {holding} request(s), your limit at once; finish or release one "
            "first.",
            {"holding": holding},
        )


def require_release_quota(user: User, *, released_last_hour: int, limits: ClaimLimits) -> None:
    """Refuse a release past the hourly limit: claim-and-release churn harvests personal data."""
    if Role.ADMIN in user.roles:
        return
    if released_last_hour >= limits.releases_per_hour:
        raise TooManyRequests(
            "claims.too_many_releases",
            "You have given back {released} requests in the last hour; finish this one or ask "
            "your area's coordinator to release it.",
            {"released": released_last_hour, "retry_after": 3600},
        )


def scope_for_listing(user: User | None, action: Action, area_code: str | None) -> str | None:
    """Return the area a list may show: the one asked for, else the user's own (admins: all)."""
    if user is not None and Role.ADMIN in user.roles and user.is_active:
        return area_code
    area = area_code or (user.area_code if user else None)
    require(user, action, area_code=area)
    return area
