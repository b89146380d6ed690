"""HTTP API of exports: `GET /api/v1/exports/{dataset}.{format}`, streamed from the first row."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.core.db import SessionDep
from jitasa.core.fields import AreaCode
from jitasa.core.map_params import BBoxParam, parse_bbox, split_values
from jitasa.core.words import URGENCIES
from jitasa.exports import service
from jitasa.exports.datasets import Filters
from jitasa.exports.formats import MEDIA_TYPES
from jitasa.facilities import service as facilities_service
from jitasa.facilities.words import BED_RESOURCES, STATUSES
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service

router = APIRouter(prefix="/api/v1/exports", tags=["exports"])
Values = Annotated[list[str] | None, Query(max_length=200)]
DESCRIPTION = """Stream a dataset as CSV (UTF-8 with BOM), XLSX or GeoJSON.

Datasets: `requests`, `facilities`, `volunteers` (area staff: your own area unless `area` names
one inside it; the whole country for admins; personal data, every export is audited) and
`public-requests`, `public-facilities` (anyone; requests at their ~500 m public pin without name,
phone, address or description). `hxl=true` adds an HXL hashtag row under the header (CSV, XLSX).
Filters: `area`, `bbox` (min_lon,min_lat,max_lon,max_lat), and per dataset `status`,
`category`, `urgency` (requests), `type`, `free_beds` (facilities), `verified` (volunteers).
Answers 404 for an unknown dataset or area, 403 outside your area, 422 for a bad filter."""


async def _filters(session, dataset, **raw) -> Filters:
    """Check the filters against the dataset and the values that exist; 422 naming the field."""
    service.refuse_foreign_filters(dataset, raw)
    if "urgency" in dataset.filters:
        statuses = split_values(raw["status"], {s.value for s in Status}, "status")
        categories = await incidents_service.category_codes(session)
        return Filters(
            status=tuple(statuses),
            category=tuple(split_values(raw["category"], categories, "category")),
            urgency=tuple(split_values(raw["urgency"], URGENCIES, "urgency")),
        )
    if "type" in dataset.filters:
        types = {t.code for t in await facilities_service.types(session)}
        return Filters(
            status=tuple(split_values(raw["status"], set(STATUSES), "status")),
            type=tuple(split_values(raw["type"], types, "type")),
            free_beds=tuple(split_values(raw["free_beds"], set(BED_RESOURCES), "free_beds")),
        )
    return Filters(verified=raw["verified"])


@router.get(
    "/{dataset}.{fmt}",
    description=DESCRIPTION,
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
async def export(
    request: Request,
    dataset: str,
    fmt: str,
    user: OptionalUser,
    session: SessionDep,
    area: Annotated[AreaCode | None, Query()] = None,
    bbox: BBoxParam = None,
    status: Values = None,
    category: Values = None,
    urgency: Values = None,
    type: Values = None,
    free_beds: Values = None,
    verified: Annotated[bool | None, Query()] = None,
    hxl: Annotated[bool, Query(description="Add an HXL hashtag row (CSV, XLSX)")] = False,
) -> StreamingResponse:
    """Stream a dataset as a file, filtered by area and the dataset's filters."""
    chosen = service.dataset_named(dataset)
    file_format = service.format_named(fmt)
    box = parse_bbox(bbox)
    filters = await _filters(
        session,
        chosen,
        status=status,
        category=category,
        urgency=urgency,
        type=type,
        free_beds=free_beds,
        verified=verified,
    )
    shown = await service.area_for(session, dataset=chosen, user=user, area=area)
    filters = replace(filters, area=shown, bbox=box)
    if chosen.personal:
        await service.audit(
            session, dataset=chosen, user=user, area=shown, client_ip=client_ip(request)
        )
    body = service.content(
        request.app.state.read_session_factory, chosen, filters, file_format, hxl=hxl
    )
    name = service.file_name(chosen, shown, file_format)
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[file_format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store" if chosen.personal else "public, max-age=60",
            "X-Content-Type-Options": "nosniff",
        },
    )
