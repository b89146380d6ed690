"""HTTP API of exports: `GET /api/v1/exports/{dataset}.{format}`, streamed from the first row."""

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from jitasa.accounts.deps import OptionalUser, client_ip
from jitasa.core.db import SessionDep
from jitasa.core.fields import AreaCode
from jitasa.core.map_params import BBoxParam, parse_bbox
from jitasa.exports import service
from jitasa.exports.formats import MEDIA_TYPES

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
    filters = await service.check_filters(
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
        # Signed-in answers are marked no-store by the security headers, as everywhere.
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
