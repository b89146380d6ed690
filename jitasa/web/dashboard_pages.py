"""The coordinator's dashboard and the printable daily report of an area, with drill-down."""

from datetime import date as Day
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession

from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.areas import service as areas_service
from jitasa.core.db import SessionDep, utcnow
from jitasa.core.fields import AreaCode
from jitasa.core.i18n import translate
from jitasa.core.thai import BANGKOK, format_date
from jitasa.dashboard import charts, scope, stats
from jitasa.dashboard.schemas import FIRST_DAY, LAST_DAY
from jitasa.help_requests.states import Status
from jitasa.incidents import service as incidents_service
from jitasa.vaccination.coverage import DOSES, Figures, coverage_of
from jitasa.web import report_pdf, request_views
from jitasa.web.account_views import sign_in_first
from jitasa.web.desk_views import area_choices, duration, short_day, top_of
from jitasa.web.rendering import WEB_DIR, language_of, render, templates

router = APIRouter(include_in_schema=False)
SHORT_STATUS = {
    Status.OPEN: "Open",
    Status.CLAIMED: "Taken by a volunteer",
    Status.IN_PROGRESS: "Being helped",
    Status.RESOLVED: "Resolved",
}
INSTANT = timedelta(microseconds=1)
REPORT_CSS = ("jitasa.css", "requests.css", "desk.css", "report.css")
AreaParam = Annotated[AreaCode | None, Query()]
DayParam = Annotated[Day | None, Query(ge=FIRST_DAY, le=LAST_DAY)]


async def coverage_on(session: AsyncSession, *, area: str | None, day: Day) -> Figures | None:
    """Return the area's vaccination coverage as known on `day` (None: the country): its
    figure on the newest date of data on or before it, None when there is none."""
    answer = await coverage_of(session, area=area or "")
    known = [point for point in answer.trend if point.as_of <= day]
    return known[-1] if known else None


async def report_context(
    session: AsyncSession,
    *,
    top: str | None,
    area: str | None,
    day: Day | None,
    language: str,
    stale_hours: float = 24.0,
) -> dict:
    """Gather the figures of an area and what the dashboard and report show them with."""
    shown = area
    figures = await stats.figures(
        session, area=shown, day=day, now=utcnow(), stale_hours=stale_hours
    )
    incidents = await incidents_service.list_incidents(session, active=None)
    categories = request_views.category_names(incidents, language)

    def _(message: str, **params) -> str:
        return translate(message, language, **params)

    windows = (("today", _("That day")), ("last_7_days", _("7 days")), ("all", _("All")))
    active = figures["active_over_time"]
    claim_rows = [
        (f"{label} · {_(kind)}", figures["to_claim"][name][key], "")
        for name, label in windows
        for kind, key in (("median", "median_minutes"), ("90th percentile", "p90_minutes"))
    ]
    coverage = await coverage_on(session, area=shown, day=figures["date"])
    return {
        "area": shown,
        "coverage": coverage,
        "coverage_percent": coverage.coverage() if coverage else {},
        "coverage_doses": DOSES,
        "coverage_day": format_date(coverage.as_of, language) if coverage else None,
        "areas": await area_choices(session, top=top, area=shown, language=language),
        "status_labels_short": SHORT_STATUS,
        "busy_children": [c for c in figures["children"] if _active(c)],
        # Active requests none of the children holds (a district without subdistrict boundaries)
        "unplaced": unplaced if _active(unplaced := figures["not_in_children"]) else None,
        "figures": figures,
        # A past day's waits, actives and curve are of that day; the other counts are of now.
        "past_day": figures["date"] < figures["as_of"].astimezone(BANGKOK).date(),
        "category_names": categories,
        "status_names": {s.value: _(request_views.STATUS_LABELS[s]) for s in Status},
        "urgency_names": {k.value: _(v) for k, v in request_views.URGENCY_LABELS.items()},
        "duration": lambda minutes: duration(minutes, language),
        "windows": windows,
        "when": lambda moment: request_views.when(moment, language),
        "report_day": format_date(figures["date"], language, full_month=True),
        "active_chart": charts.line(
            _("Requests still needing help, end of each day"),
            # A point at midnight is the end of the day before it: named by that day.
            [(short_day(p["at"] - INSTANT, language), p["count"]) for p in active],
        ),
        "claim_chart": charts.bars(
            _("Time to claim"),
            [(label, value, duration(value, language)) for label, value, _t in claim_rows],
        ),
    }


@router.get("/dashboard", response_class=HTMLResponse)
async def dashboard(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: AreaParam = None,
    date: DayParam = None,
) -> Response:
    """Show the area's figures, charts, past-limit list and child areas to drill into."""
    return await _figures_page(request, user, session, area, date, "desk/dashboard.html")


@router.get("/dashboard/report.pdf")
async def daily_report_pdf(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: AreaParam = None,
    date: DayParam = None,
) -> Response:
    """Send the daily situation report as a one-page A4 PDF (application/pdf, attachment).

    Same figures and rules as the page; 503 `report.pdf_unavailable` without WeasyPrint.
    """
    if user is None:
        return sign_in_first(request, staff=True)
    shown = await scope.area_of(session, user=user, area=area, action=Action.READ_STATS)
    page = await report_file(
        session,
        area=shown,
        day=date,
        language=language_of(request),
        stale_hours=request.app.state.settings.facility_stale_hours,
    )
    name = f"jitasa-report-{shown or 'th'}-{date or utcnow().date()}.pdf"
    return Response(
        report_pdf.to_pdf(page),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/dashboard/report", response_class=HTMLResponse)
async def daily_report(
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    area: AreaParam = None,
    date: DayParam = None,
) -> Response:
    """Show the one-page daily situation report, for printing before the morning meeting."""
    return await _figures_page(request, user, session, area, date, "desk/report.html")


async def _figures_page(
    request: Request,
    user: User | None,
    session: AsyncSession,
    area: str | None,
    date: Day | None,
    template: str,
) -> Response:
    """Render an area's figures (dashboard or report) for staff who may read them."""
    if user is None:
        return sign_in_first(request, staff=True)
    shown = await scope.area_of(session, user=user, area=area, action=Action.READ_STATS)
    context = await report_context(
        session,
        top=top_of(user),
        area=shown,
        day=date,
        language=language_of(request),
        stale_hours=request.app.state.settings.facility_stale_hours,
    )
    return render(request, template, user=user, pdf_available=report_pdf.available(), **context)


async def report_file(
    session: AsyncSession,
    *,
    area: str | None,
    day: Day | None,
    language: str,
    stale_hours: float = 24.0,
) -> str:
    """Render the daily report as one self-contained HTML page (styles inline), for a file.

    `area` None: the whole country.
    """
    if area is not None:
        await areas_service.get_or_raise(session, code=area)
    context = await report_context(
        session, top=None, area=area, day=day, language=language, stale_hours=stale_hours
    )
    css = "\n".join((WEB_DIR / "static" / "css" / name).read_text() for name in REPORT_CSS)
    return templates.get_template("desk/report_file.html").render(
        lang=language,
        _=lambda message, **params: translate(message, language, **params),
        css=css,
        **context,
    )


def _active(counts: dict | None) -> bool:
    """Tell whether an area's counts hold an active request (a row worth showing)."""
    return bool(counts and (counts["open"] or counts["claimed"] or counts["in_progress"]))
