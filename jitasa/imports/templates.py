"""An XLSX template per import kind: Thai headers, an English second row, one example row."""

import io

import openpyxl
from openpyxl.styles import Font, PatternFill

from jitasa.imports.kinds import kind_of

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def template(kind_name: str) -> bytes:
    """Return the template workbook of a kind as XLSX bytes; raise `Invalid` for an unknown kind.

    Row 1 holds the Thai headers the importer matches, row 2 the English names (the importer
    skips it: it holds no values it would accept for a row, so it is reported if left in), row 3
    an example. Officials delete rows 2 and 3 or write over them.
    """
    kind = kind_of(kind_name)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = kind.name
    sheet.append([c.th for c in kind.columns])
    sheet.append([c.en for c in kind.columns])
    sheet.append([c.example if c.example != "" else None for c in kind.columns])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="666666")
    for index, column in enumerate(kind.columns, start=1):
        letter = openpyxl.utils.get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.th) + 4, len(column.en) + 2)
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
