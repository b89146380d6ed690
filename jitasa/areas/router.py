"""HTTP API of areas: children, search, one area, and locating a point."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from jitasa.areas import service
from jitasa.areas.schemas import AreaBoundary, AreaName, AreaPage, AreaRead, Location
from jitasa.core.db import SessionDep

router = APIRouter(prefix="/api/v1/areas", tags=["areas"])


@router.get("", response_model=AreaPage)
async def list_areas(
    session: SessionDep,
    parent: Annotated[str | None, Query(max_length=8, description="Parent area code")] = None,
    q: Annotated[
        str | None, Query(max_length=100, description="Thai/English name or postal code")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=8, pattern=r"^\d{2,8}$")] = None,
) -> AreaPage:
    """List an area's children (provinces by default), or search by name or postal code."""
    areas, next_cursor = await service.list_areas(
        session, parent=parent, query=q, limit=limit, cursor=cursor
    )
    parents = await service.parents_of(session, codes=[a.code for a in areas])
    return AreaPage(items=[_read(a, parents[a.code]) for a in areas], next_cursor=next_cursor)


def _read(area, parents: list[dict]) -> AreaRead:
    """Show an area with the areas holding it."""
    return AreaRead.model_validate(area).model_copy(
        update={"parents": [AreaName(**p) for p in parents]}
    )


@router.get("/locate", response_model=Location)
async def locate(
    request: Request,
    session: SessionDep,
    lat: Annotated[
        float, Query(ge=-90, le=90, allow_inf_nan=False, description="Latitude (WGS84)")
    ],
    lon: Annotated[
        float, Query(ge=-180, le=180, allow_inf_nan=False, description="Longitude (WGS84)")
    ],
) -> Location:
    """Return the province, district and subdistrict whose loaded boundaries contain the point."""
    refresh = request.app.state.settings.boundary_refresh_seconds
    return Location(**await service.locate(session, lat=lat, lon=lon, refresh_seconds=refresh))


@router.get("/{code}/boundary", response_model=AreaBoundary)
async def get_boundary(session: SessionDep, code: str) -> dict:
    """Return an area's loaded boundary as a GeoJSON Feature."""
    return await service.boundary_feature(session, code=code)


@router.get("/{code}", response_model=AreaRead)
async def get_area(session: SessionDep, code: str) -> AreaRead:
    """Return one area by its DOPA code."""
    area = await service.get_or_raise(session, code=code)
    return _read(area, (await service.parents_of(session, codes=[code]))[code])
