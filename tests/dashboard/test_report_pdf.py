"""The daily report as PDF: one A4 page whose Thai text is real Thai glyphs in a Thai font."""

import io

from pypdf import PdfReader

from jitasa.cli import app
from jitasa.core.words import Role
from tests.core.test_cli import configured, runner  # noqa: F401 (the fixture is used by name)
from tests.dashboard.helpers import aged
from tests.help_requests.test_request_pages import sign_in

# The Thai fonts of fonts-thai-tlwg the report's font list can fall back to.
THAI_FONTS = ("Loma", "Garuda", "Sarabun", "Norasi", "Kinnari", "Waree", "Umpush", "Laksaman")


def read_pdf(data: bytes) -> tuple[int, str, set[str]]:
    """Return a PDF's page count, its text, and the names of the fonts it embeds."""
    reader = PdfReader(io.BytesIO(data))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
        if "/BaseFont" in font.get_object()
    }
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages), fonts


def test_report_writes_a_thai_pdf_when_the_file_ends_in_pdf(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = tmp_path / "report.pdf"
    result = runner.invoke(
        app, ["report", "--area", "5001", "--date", "2026-11-25", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages, text, fonts = read_pdf(data)
    assert pages == 1
    # ำ is drawn as two glyphs (nikhahit and sara aa), which a text extractor reads back as า:
    # the words checked here have no ำ.
    assert "รายงานสถานการณ์" in text and "เมืองเชียงใหม่" in text
    assert "25 พฤศจิกายน 2569" in text
    assert any(thai in font for font in fonts for thai in THAI_FONTS), fonts


async def test_a_coordinator_downloads_the_report_as_pdf(client, session):
    await aged(session, minutes=300, past_sla=True)
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.get(
        "/dashboard/report.pdf", params={"area": "5001", "date": "2026-11-25", "lang": "th"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="jitasa-report-5001-2026-11-25.pdf"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    pages, text, _fonts = read_pdf(response.content)
    assert pages == 1 and "รายงานสถานการณ์" in text and "อาหารและของใช้" in text
    page = await client.get("/dashboard/report", params={"area": "5001"})
    assert 'href="/dashboard/report.pdf?area=5001&amp;date=' in page.text


async def test_the_pdf_keeps_the_reports_rules(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    outside = await client.get("/dashboard/report.pdf", params={"area": "5002"})
    assert outside.status_code == 403
    unknown = await client.get("/dashboard/report.pdf", params={"area": "5099"})
    assert unknown.status_code == 404
    bad = await client.get("/dashboard/report.pdf", params={"area": "5001", "date": "25/11"})
    assert bad.status_code == 422
