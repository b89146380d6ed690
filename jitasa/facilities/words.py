"""The facilities' words, defined once: statuses and the resources whose capacity is kept."""

from enum import StrEnum

from jitasa.core.field_names import name_fields
from jitasa.core.words import TRIAGE_COLOURS


class FacilityStatus(StrEnum):
    """Whether a facility takes people now."""

    OPEN = "open"
    FULL = "full"
    CLOSED = "closed"
    EVACUATING = "evacuating"


STATUSES = tuple(s.value for s in FacilityStatus)
# Beds by triage colour (the map sums the free ones), then oxygen, then vaccine doses by brand.
BED_RESOURCES = {str(colour): f"beds_{colour}" for colour in TRIAGE_COLOURS}
VACCINE_BRANDS = ("sinovac", "sinopharm", "astrazeneca", "pfizer", "moderna", "johnson")
RESOURCES = (
    *BED_RESOURCES.values(),
    "oxygen",
    *(f"vaccine_{brand}" for brand in VACCINE_BRANDS),
)
# What people call each resource (English message ids, their Thai in th.po): messages and
# pages name a resource by these words, never by its key.
RESOURCE_NAMES = {
    "beds_red": "Red beds (severe)",
    "beds_yellow": "Yellow beds (moderate)",
    "beds_green": "Green beds (mild)",
    "oxygen": "Oxygen",
    "vaccine_sinovac": "Sinovac doses",
    "vaccine_sinopharm": "Sinopharm doses",
    "vaccine_astrazeneca": "AstraZeneca doses",
    "vaccine_pfizer": "Pfizer doses",
    "vaccine_moderna": "Moderna doses",
    "vaccine_johnson": "Johnson & Johnson doses",
}
name_fields(RESOURCE_NAMES)
# Highest total or available count a resource may have (a typo of extra zeros is refused).
MAX_AMOUNT = 1_000_000
NO_FREE_BEDS = "none"


def free_colours(free: dict[str, int]) -> str:
    """Name the colours with a free bed, most severe first ("red+green"), or "none"."""
    return "+".join(c for c in BED_RESOURCES if free.get(c, 0) > 0) or NO_FREE_BEDS


# Every value `free_colours` gives, and the ones that hold a free bed of each colour.
FREE_COLOUR_VALUES = tuple(
    sorted({free_colours({c: (n >> i) & 1 for i, c in enumerate(BED_RESOURCES)}) for n in range(8)})
)
WITH_FREE_BED = {
    colour: tuple(v for v in FREE_COLOUR_VALUES if colour in v.split("+"))
    for colour in BED_RESOURCES
}
