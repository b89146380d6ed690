"""The domain's shared words, defined once: roles, urgency and triage colours, area-code levels."""

from enum import StrEnum


class Role(StrEnum):
    """What a person is in Jitasa; one person may hold several roles."""

    REQUESTER = "requester"
    VOLUNTEER = "volunteer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Urgency(StrEnum):
    """How soon help is needed: a triage colour for medical requests, else urgent or normal."""

    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
    URGENT = "urgent"
    NORMAL = "normal"


# The Ministry of Public Health's triage colours, most severe first: medical requests only.
TRIAGE_COLOURS = (Urgency.RED, Urgency.YELLOW, Urgency.GREEN)
OTHER_URGENCIES = (Urgency.URGENT, Urgency.NORMAL)
URGENCIES = (*TRIAGE_COLOURS, *OTHER_URGENCIES)
# What needs a person soonest first (the default limits: red 15 min; yellow and urgent an hour,
# triage before the rest; green and not urgent a day): the coordinator's queue sorts by it.
BY_NEED = (Urgency.RED, Urgency.YELLOW, Urgency.URGENT, Urgency.GREEN, Urgency.NORMAL)


class AreaLevel(StrEnum):
    """A level of Thailand's administrative areas (DOPA codes nest by prefix)."""

    PROVINCE = "province"
    DISTRICT = "district"
    SUBDISTRICT = "subdistrict"
    VILLAGE = "village"


# A DOPA code's length tells its level: 50 Chiang Mai, 5001 Mueang, 500101 Si Phum.
CODE_LENGTHS = {
    2: AreaLevel.PROVINCE,
    4: AreaLevel.DISTRICT,
    6: AreaLevel.SUBDISTRICT,
    8: AreaLevel.VILLAGE,
}
LEVEL_LENGTHS = {level: length for length, level in CODE_LENGTHS.items()}
