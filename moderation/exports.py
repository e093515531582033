"""Question and audit exports as CSV (UTF-8 with BOM, so Excel opens Chinese right) and XLSX."""
from __future__ import annotations

import csv
import io
import json
from urllib.parse import quote

from flask import Response

from .serialisation import SOURCE_NAMES, STATUS_NAMES

QUESTION_COLUMNS = ("编号", "查询码", "提问时间", "昵称", "问题", "原文", "状态", "来源", "提问人数", "合并到",
                    "标签", "星标", "敏感词", "驳回理由", "开始回答", "回答时间", "答复", "答复时间", "联系方式")
AUDIT_COLUMNS = ("时间", "操作人", "访谈", "问题", "操作", "之前", "之后")


def _safe_cell(value):
    """Spreadsheet formula injection: a cell starting with = + - @ is shown as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def question_rows(questions: list[dict]) -> list[tuple]:
    rows = [QUESTION_COLUMNS]
    for q in questions:
        words = [f["word"] for f in q["flags"] if f.get("type") == "sensitive_word"]
        reply = q.get("reply") or {}
        rows.append(tuple(_safe_cell(v) for v in (
            q["id"], q["receipt"], q["created_at"], q["nickname"], q["text"], q["original_text"] or "",
            STATUS_NAMES.get(q["status"], q["status"]), SOURCE_NAMES.get(q["source"], q["source"]),
            q["askers"], q["merged_into"] or "", "、".join(q["labels"]), "★" if q["starred"] else "",
            "、".join(words), q["reject_reason"] or "", q["on_air_at"] or "", q["answered_at"] or "",
            reply.get("text", ""), reply.get("replied_at") or "", q.get("contact") or "")))
    return rows


def audit_rows(entries: list[dict]) -> list[tuple]:
    rows = [AUDIT_COLUMNS]
    for e in entries:
        rows.append(tuple(_safe_cell(v) for v in (
            e["at"], e["user"], e["interview_id"] or "", e["question_id"] or "", e["action"],
            json.dumps(e["before"], ensure_ascii=False), json.dumps(e["after"], ensure_ascii=False))))
    return rows


def _attachment(filename: str) -> str:
    return f"attachment; filename=\"{filename.encode('ascii', 'replace').decode()}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(rows: list[tuple], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer).writerows(rows)
    return Response(buffer.getvalue().encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": _attachment(filename)})


def xlsx_response(rows: list[tuple], filename: str, title: str) -> Response:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": _attachment(filename)})
