"""XLSX for the open day's lists (the door list, questionnaire results, the opinions)."""
from __future__ import annotations

import io
from urllib.parse import quote

from flask import Response


def _safe_cell(value):
    """Spreadsheet formula injection: a typed cell starting with = + - @ stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def xlsx(rows: list[tuple], filename: str, title: str) -> Response:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    for row in rows:
        sheet.append([_safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    disposition = (f"attachment; filename=\"{filename.encode('ascii', 'replace').decode()}\"; "
                   f"filename*=UTF-8''{quote(filename)}")
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": disposition})
