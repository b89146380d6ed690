"""The daily report as a PDF: the same self-contained HTML page, laid out by WeasyPrint.

WeasyPrint (BSD, from the package index) shapes text with Pango and HarfBuzz, so Thai vowels and
tone marks sit where they should; it needs the Pango library of the system (Debian:
libpango-1.0-0) and a Thai font (fonts-thai-tlwg). It is imported only when a PDF is asked for:
without it the HTML report and its print styles still work, and a PDF request says what is
missing.
"""

from functools import cache
from importlib.util import find_spec

from jitasa.core.errors import NotReady

PDF_MISSING = (
    "PDF output needs WeasyPrint and the Pango library: pip install 'jitasa[pdf]' and "
    "apt-get install libpango-1.0-0 fonts-thai-tlwg. The HTML report can still be printed."
)


def to_pdf(page: str) -> bytes:
    """Lay out a self-contained HTML page (styles inline, A4 print CSS) as PDF bytes.

    Raises NotReady (503, `report.pdf_unavailable`) when WeasyPrint or Pango is missing.
    """
    try:
        from weasyprint import HTML  # optional, and slow to import: only when asked
    except (ImportError, OSError):  # OSError: WeasyPrint is there, the Pango library is not
        raise NotReady("report.pdf_unavailable", PDF_MISSING) from None
    return HTML(string=page).write_pdf()


@cache
def available() -> bool:
    """Tell whether PDFs can be made here (WeasyPrint installed; Pango is checked on use).

    The report page offers its Download PDF button only then, and otherwise says how to print.
    """
    return find_spec("weasyprint") is not None
