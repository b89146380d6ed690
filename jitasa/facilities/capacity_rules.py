"""The rules a capacity report keeps: known resources, no more free than the total, and at
least one resource reported; each refusal a 422 naming the field in English and Thai words."""

from collections.abc import Mapping

from jitasa.core.errors import FieldError, Invalid, invalid_field
from jitasa.core.i18n import thai
from jitasa.facilities.schemas import CapacityIn
from jitasa.facilities.words import RESOURCE_NAMES, RESOURCES

MORE_FREE_THAN_TOTAL = "{field} ({available}) must not be more than the total ({total})."
EMPTY_REPORT = (
    "Nothing was reported: give the total and free numbers of at least one resource, such as "
    "beds_yellow."
)


def check_resources(update: Mapping[str, CapacityIn]) -> None:
    """Refuse an unknown resource (a 422 naming its key and listing the known ones) or more
    available than the total (naming `{resource}.available`, told as "Red beds (severe):
    free" in English and Thai)."""
    for resource, amounts in update.items():
        if resource not in RESOURCES:
            raise invalid_field(
                resource,
                "{field} is not a known resource; use one of: {expected}.",
                expected=", ".join(RESOURCES),
            )
        if amounts.available > amounts.total:
            params = {"available": amounts.available, "total": amounts.total}
            name = RESOURCE_NAMES[resource]
            english = {**params, "field": f"{name}: free"}
            in_thai = {**params, "field": f"{thai(name)}: {thai('Free')}"}
            error = FieldError(
                f"{resource}.available",
                MORE_FREE_THAN_TOTAL.format(**english),
                thai(MORE_FREE_THAN_TOTAL, **in_thai),
            )
            raise Invalid(
                "validation.invalid", MORE_FREE_THAN_TOTAL, english, [error], params_th=in_thai
            )


def check_report(update: Mapping[str, CapacityIn]) -> None:
    """Refuse an empty report with a 422 on `body`: `{}` would mark the numbers fresh though
    nobody reported any; then check each resource (`check_resources`)."""
    if not update:
        raise invalid_field("body", EMPTY_REPORT)
    check_resources(update)
