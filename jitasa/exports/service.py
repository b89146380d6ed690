"""Taking an export: who may take which dataset for which area, and its rows, streamed.

The checks (unknown dataset or area, out of scope, bad filter) all happen before the first byte,
so a refusal is a clear problem answer; the rows are then read in a read session of their own
with a server-side cursor (`yield_per`), batch by batch, and written as they come.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from jitasa.accounts import policy
from jitasa.areas import service as areas_service
from jitasa.audit import service as audit_service
from jitasa.core.errors import NotFound, invalid_field
from jitasa.core.map_params import split_values
from jitasa.core.words import URGENCIES
from jitasa.exports import formats
from jitasa.exports.datasets import DATASETS, Dataset, Filters, Format, Value
from jitasa.facilities import service as facilities_service
from jitasa.facilities.words import BED_RESOURCES, STATUSES
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service

if TYPE_CHECKING:  # types only
    from jitasa.accounts.models import User

BATCH_ROWS = 2000


def dataset_named(name: str) -> Dataset:
    """Return the dataset by its name; an unknown one is 404 naming the ones there are."""
    dataset = DATASETS.get(name)
    if dataset is None:
        raise NotFound(
            "export.unknown_dataset",
            "There is no export called {dataset}; the exports are: {expected}.",
            {"dataset": name[:40], "expected": ", ".join(DATASETS)},
        )
    return dataset


def format_named(name: str) -> Format:
    """Return the file format by its name; anything else is a 422 naming `format`."""
    try:
        return Format(name)
    except ValueError:
        raise invalid_field(
            "format",
            "{field} must be one of: {expected}.",
            expected=", ".join(f.value for f in Format),
        ) from None


async def area_for(
    session: AsyncSession,
    *,
    dataset: Dataset,
    user: User | None,
    area: str | None,
    operator: bool = False,
) -> str | None:
    """Return the area the export covers, or raise.

    Staff datasets cover the area asked for, else the person's own (the whole country: admins
    only); an unknown area is 404 (area codes are public), one outside the scope 403, no
    sign-in 401. Public datasets cover the area asked for, or everywhere. The `operator` of
    the server itself (`jitasa export`) may take any dataset for any area.
    """
    chosen = area or (user.area_code if user is not None and dataset.personal else None)
    if chosen:
        await areas_service.get_or_raise(session, code=chosen)
    if dataset.action is not None and not operator:
        policy.require(user, dataset.action, area_code=chosen)
    return chosen


def refuse_foreign_filters(dataset: Dataset, given: dict[str, object]) -> None:
    """Refuse a filter the dataset does not take (such as `urgency` on facilities) with a 422."""
    for name, value in given.items():
        if value not in (None, [], ()) and name not in dataset.filters:
            raise invalid_field(
                name,
                "{field} does not apply to this export; it takes: {expected}.",
                expected=", ".join(sorted({"area", "bbox", *dataset.filters})),
            )


async def check_filters(session: AsyncSession, dataset: Dataset, **raw: object) -> Filters:
    """Check the filters against the dataset and the values that exist; 422 naming the field."""
    refuse_foreign_filters(dataset, raw)
    if "urgency" in dataset.filters:
        statuses = split_values(raw.get("status"), {s.value for s in Status}, "status")
        categories = await incidents_service.category_codes(session)
        return Filters(
            status=tuple(statuses),
            category=tuple(split_values(raw.get("category"), categories, "category")),
            urgency=tuple(split_values(raw.get("urgency"), URGENCIES, "urgency")),
        )
    if "type" in dataset.filters:
        types = {t.code for t in await facilities_service.types(session)}
        return Filters(
            status=tuple(split_values(raw.get("status"), set(STATUSES), "status")),
            type=tuple(split_values(raw.get("type"), types, "type")),
            free_beds=tuple(split_values(raw.get("free_beds"), set(BED_RESOURCES), "free_beds")),
        )
    return Filters(verified=raw.get("verified"))


async def audit(
    session: AsyncSession,
    *,
    dataset: Dataset,
    user: User | None,
    area: str | None,
    client_ip: str,
    via: str = "api",
) -> None:
    """Log that someone took an export holding personal data (PDPA), before it starts.

    `user` is None for an operator's `jitasa export` on the server itself (`via="cli"`).
    """
    if dataset.personal:
        await audit_service.record(
            session,
            action="personal_data.export",
            actor_id=user.id if user is not None else None,
            via=via,
            subject_type=dataset.name,
            area_code=area,
            client_ip=client_ip,
        )


async def batches(
    factory: async_sessionmaker[AsyncSession],
    dataset: Dataset,
    filters: Filters,
    *,
    batch_rows: int = BATCH_ROWS,
) -> AsyncIterator[list[Sequence[Value]]]:
    """Yield the dataset's rows in batches, cleaned for writing, from a server-side cursor."""
    cleaners = [c.clean for c in dataset.columns]
    statement = dataset.statement(filters).execution_options(yield_per=batch_rows)
    async with factory() as session:
        result = await session.stream(statement)
        async for partition in result.partitions(batch_rows):
            yield [
                [v if clean is None else clean(v) for clean, v in zip(cleaners, row, strict=True)]
                for row in partition
            ]


def content(
    factory: async_sessionmaker[AsyncSession],
    dataset: Dataset,
    filters: Filters,
    fmt: Format,
    *,
    hxl: bool,
    counted: Callable[[int], object] | None = None,
) -> AsyncIterator[bytes]:
    """Return the export's bytes, streamed: header first, then each batch of rows.

    `counted(n)` is told the size of each batch as it is written (the CLI's row count).
    """

    async def rows() -> AsyncIterator[list[Sequence[Value]]]:
        async for batch in batches(factory, dataset, filters):
            if counted is not None:
                counted(len(batch))
            yield batch

    names = [c.name for c in dataset.columns]
    tags = [c.hxl for c in dataset.columns] if hxl else None
    return formats.write(fmt, names, tags, dataset.lat, dataset.lon, rows())


def file_name(dataset: Dataset, area: str | None, fmt: Format) -> str:
    """Name the downloaded file after the dataset and area: `requests-5001.csv`."""
    return f"jitasa-{dataset.name}{'-' + area if area else ''}.{fmt.value}"
