"""The public coverage page: a table with drill-down, the trend chart and a district map."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from jitasa.accounts.deps import OptionalUser
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep
from jitasa.core.i18n import translate
from jitasa.core.thai import format_date
from jitasa.dashboard import charts
from jitasa.vaccination import views
from jitasa.web.rendering import language_of, render

router = APIRouter(include_in_schema=False)
# Classes of the map by the share with two doses (%, from), light to dark; grey: no figures.
CLASSES = ((0, "#edf8e9"), (20, "#bae4b3"), (40, "#74c476"), (60, "#31a354"), (80, "#006d2c"))
NO_FIGURES = "#d0d0d0"
HIDDEN = "#f7f7f7"  # a small group's figures, hidden from this reader


def fill_of(percent: float | None, *, hidden: bool = False) -> str:
    """Return the map colour of a coverage percentage (a hidden one has its own)."""
    if hidden:
        return HIDDEN
    if percent is None:
        return NO_FIGURES
    return [colour for start, colour in CLASSES if percent >= start][-1]


def legend(language: str) -> list[tuple[str, str]]:
    """Return the map's legend: (colour, what it means)."""
    ends = [start for start, _colour in CLASSES[1:]] + [100]
    rows = [(c, f"{s}–{e}%") for (s, c), e in zip(CLASSES, ends, strict=True)]
    hidden = translate("Hidden: fewer than 10 people", language)
    return [*rows, (NO_FIGURES, translate("No figures", language)), (HIDDEN, hidden)]


def _label(item, language: str) -> str:
    if item.suppressed:
        return translate("Hidden: fewer than 10 people", language)
    return f"{item.coverage.dose_2 if item.coverage.dose_2 is not None else '–'}%"


@router.get("/vaccination", response_class=HTMLResponse)
async def coverage_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    area: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    """Show an area's coverage: its children in a table and on a map, and its trend; small
    groups hidden as the API hides them (`views.coverage_answer`)."""
    language = language_of(request)
    sees = await views.reader_of(session, user)
    answer = await views.coverage_answer(session, area=area or "", sees=sees)

    def name(item) -> str:
        return item.name_th if language == "th" else item.name_en

    def _(message: str, **params) -> str:
        return translate(message, language, **params)

    def day(item) -> str:
        """An "as of" date in the page's language (BE year in Thai), "" without one."""
        return format_date(item.as_of, language) if item.as_of else ""

    shapes = await areas_service.boundaries_of(session, codes={i.code for i in answer.items})
    title = _("Share of people with two doses, {area}", area=name(answer.area))
    drawn = [
        (
            f"{name(i)}: {_label(i, language)}",
            shapes[i.code],
            fill_of(i.coverage.dose_2, hidden=i.suppressed),
        )
        for i in answer.items
        if i.code in shapes
    ]
    trend = charts.line(
        _("Share of people with two doses over time (%)"),
        [(day(p), round(p.coverage.dose_2 or 0)) for p in answer.trend if not p.suppressed],
        colour="#31a354",
    )
    parents = await areas_service.parents_of(session, codes=[answer.area.code])
    return render(
        request,
        "vaccination/coverage.html",
        answer=answer,
        name=name,
        day=day,
        parents=parents.get(answer.area.code, []) if answer.area.code else [],
        map_svg=charts.choropleth(title, drawn),
        legend=legend(language),
        trend_svg=trend if any(not p.suppressed for p in answer.trend) else "",
    )
