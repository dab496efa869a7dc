"""Write engine.exports tables as a real Excel workbook (openpyxl).

SEK amounts as numbers with the sheet's amount format, dates as date cells, a bold frozen header row,
an autofilter over the whole table and column widths fitted to the content. Text is always stored as
a text cell (never a formula); text that looks like a formula also gets Excel's quote prefix, like the
workbook store does.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from sheets.backend import AMOUNT_FORMAT, DATE_FORMAT, TEXT_FORMAT

INT_FORMAT = "#,##0"
DECIMAL_FORMAT = "0.00########"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MIN_WIDTH, MAX_WIDTH = 8, 60


class ExportError(Exception):
    """The file could not be written; a clear Swedish message."""


def _display_len(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "amount" and isinstance(value, Decimal):
        return len(f"{value:,.2f}") + 3
    if kind == "date":
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def write_xlsx(tables: list[Any], path: str | Path) -> None:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(table.name[:31])
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
        for c, col in enumerate(table.columns, start=1):
            cell = ws.cell(1, c, col.header)
            cell.font, cell.fill = bold, fill
        for r, row in enumerate(table.rows, start=2):
            for c, (col, value) in enumerate(zip(table.columns, row, strict=False), start=1):
                cell = ws.cell(r, c)
                if value is None or value == "":
                    continue
                if col.kind == "amount" and isinstance(value, Decimal | int):
                    cell.value = value
                    cell.number_format = AMOUNT_FORMAT
                elif col.kind == "decimal" and isinstance(value, Decimal | int | float):
                    cell.value = value
                    cell.number_format = DECIMAL_FORMAT
                elif col.kind == "int" and isinstance(value, int):
                    cell.value = value
                    cell.number_format = INT_FORMAT if value >= 10000 else "0"
                elif col.kind == "date" and isinstance(value, dt.date):
                    cell.value = value
                    cell.number_format = DATE_FORMAT
                else:
                    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767]
                    cell.value = text
                    cell.data_type = "s"  # never a formula
                    cell.number_format = TEXT_FORMAT
                    if text.startswith(_FORMULA_START):
                        cell.quotePrefix = True
        ws.freeze_panes = "A2"
        last_col = get_column_letter(max(len(table.columns), 1))
        ws.auto_filter.ref = f"A1:{last_col}{max(len(table.rows) + 1, 1)}"
        for c, col in enumerate(table.columns, start=1):
            longest = max([len(col.header) + 3] + [_display_len(row[c - 1], col.kind) for row in table.rows
                                                      if c - 1 < len(row)])
            ws.column_dimensions[get_column_letter(c)].width = max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))
    if not tables:
        wb.create_sheet("Export")
    try:
        wb.save(str(path))
    except OSError as e:
        raise ExportError(f"Kan inte skriva Excel-filen {path}: {e.strerror or e}") from None
