"""The help request state machine, as data: statuses, moves, and who may make each move."""

from enum import StrEnum

from jitasa.core.field_names import name_statuses


class Status(StrEnum):
    """Where a help request stands."""

    OPEN = "open"
    CLAIMED = "claimed"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"
    CLOSED = "closed"
    EXPIRED = "expired"


# Each status as people read it (the pages' words); error messages in Thai use them too.
STATUS_WORDS = {
    Status.OPEN: "Waiting for help",
    Status.CLAIMED: "A volunteer has taken it",
    Status.IN_PROGRESS: "Help is on the way",
    Status.RESOLVED: "Resolved",
    Status.CANCELLED: "Cancelled",
    Status.CLOSED: "Closed",
    Status.EXPIRED: "Expired",
}
name_statuses(STATUS_WORDS)


class Actor(StrEnum):
    """The part a person plays towards one request."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"
    CLAIMER = "claimer"
    AREA_STAFF = "area_staff"
    SYSTEM = "system"


class CloseReason(StrEnum):
    """Why a request was closed without being resolved."""

    DUPLICATE = "duplicate"
    UNREACHABLE = "unreachable"
    OUT_OF_SCOPE = "out_of_scope"
    DONE_BY_OTHERS = "done_by_others"
    NO_LONGER_NEEDED = "no_longer_needed"


class Mobility(StrEnum):
    """How a transported patient moves: the driver brings what it takes."""

    WALKS = "walks"
    WHEELCHAIR = "wheelchair"
    STRETCHER = "stretcher"


FINAL = frozenset({Status.RESOLVED, Status.CANCELLED, Status.CLOSED, Status.EXPIRED})
ACTIVE = frozenset({Status.OPEN, Status.CLAIMED, Status.IN_PROGRESS})
TAKEN = (Status.CLAIMED, Status.IN_PROGRESS)  # a volunteer has it: their tasks

# (from, to) → who may make the move. OPEN → CLAIMED is made by `claim` (a volunteer) and
# `assign` (area staff) only; `release` is the move back to OPEN.
TRANSITIONS: dict[tuple[Status, Status], frozenset[Actor]] = {
    (Status.OPEN, Status.CLAIMED): frozenset({Actor.VOLUNTEER, Actor.AREA_STAFF}),
    (Status.OPEN, Status.CANCELLED): frozenset({Actor.REQUESTER}),
    (Status.OPEN, Status.CLOSED): frozenset({Actor.AREA_STAFF}),
    (Status.OPEN, Status.EXPIRED): frozenset({Actor.SYSTEM}),
    (Status.CLAIMED, Status.IN_PROGRESS): frozenset({Actor.CLAIMER, Actor.AREA_STAFF}),
    (Status.CLAIMED, Status.OPEN): frozenset({Actor.CLAIMER, Actor.AREA_STAFF}),
    (Status.CLAIMED, Status.RESOLVED): frozenset(
        {Actor.CLAIMER, Actor.AREA_STAFF, Actor.REQUESTER}
    ),
    (Status.CLAIMED, Status.CANCELLED): frozenset({Actor.REQUESTER}),
    (Status.CLAIMED, Status.CLOSED): frozenset({Actor.AREA_STAFF}),
    (Status.CLAIMED, Status.EXPIRED): frozenset({Actor.SYSTEM}),
    (Status.IN_PROGRESS, Status.RESOLVED): frozenset(
        {Actor.CLAIMER, Actor.AREA_STAFF, Actor.REQUESTER}
    ),
    (Status.IN_PROGRESS, Status.OPEN): frozenset({Actor.CLAIMER, Actor.AREA_STAFF}),
    (Status.IN_PROGRESS, Status.CANCELLED): frozenset({Actor.REQUESTER}),
    (Status.IN_PROGRESS, Status.CLOSED): frozenset({Actor.AREA_STAFF}),
    (Status.IN_PROGRESS, Status.EXPIRED): frozenset({Actor.SYSTEM}),
}


def can_move(from_status: Status, to_status: Status, actors: set[Actor]) -> bool:
    """Tell whether someone playing these parts may move a request between the two statuses."""
    return bool(TRANSITIONS.get((from_status, to_status), frozenset()) & actors)


def is_move(from_status: Status, to_status: Status) -> bool:
    """Tell whether the state machine has this move at all, whoever makes it."""
    return (from_status, to_status) in TRANSITIONS
