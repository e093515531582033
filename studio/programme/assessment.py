"""Assessment (考核) per unit and year, and its XLSX. A unit is judged by the interviews it led
(★): their deadlines, questions and audience; the interviews it joined are counted beside."""
from __future__ import annotations

import io

from sqlalchemy import select

from studio.platform.db import utcnow
from studio.platform.models import Interview
from .deadlines import KIND_LABELS, interview_deadlines
from .models import DEADLINE_KINDS, InterviewStats
from .stats import question_figures

ASSESSED_KINDS = tuple(k for k in DEADLINE_KINDS if k != "questions_close")


def assessment(session, year: int, settings, now=None) -> list[dict]:
    now = now or utcnow()
    units: dict[str, dict] = {}
    led_ids: dict[str, list[int]] = {}
    interviews = list(session.scalars(select(Interview).where(Interview.year == year)
                                      .order_by(Interview.plan_no, Interview.id)))
    for interview in interviews:
        lead = next((iu for iu in interview.units if iu.is_lead), interview.units[0] if interview.units else None)
        for iu in interview.units:
            row = units.setdefault(iu.unit.name, {
                "unit": iu.unit.name, "interviews_led": 0, "interviews_joined": 0,
                "on_time": {kind: [0, 0] for kind in ASSESSED_KINDS}})
            if lead is not None and iu.unit_id == lead.unit_id:
                row["interviews_led"] += 1
                led_ids.setdefault(iu.unit.name, []).append(interview.id)
                for d in interview_deadlines(session, interview, settings, now):
                    if d.kind not in ASSESSED_KINDS:
                        continue
                    # Counted once it fell due or was done: [done on time, fell due or done].
                    if d.state in ("done", "late", "overdue"):
                        row["on_time"][d.kind][1] += 1
                        row["on_time"][d.kind][0] += d.state == "done"
            else:
                row["interviews_joined"] += 1
    for name, row in units.items():
        ids = led_ids.get(name, [])
        row["questions"] = question_figures(session, ids)
        stats = list(session.scalars(select(InterviewStats).where(InterviewStats.interview_id.in_(ids)))) if ids else []
        row["viewers_peak"] = max((s.viewers_peak for s in stats), default=0)
        row["archive_views"] = sum(s.archive_views for s in stats)
    return sorted(units.values(), key=lambda r: (-r["interviews_led"], r["unit"]))


HEADERS = ["责任单位", "牵头访谈", "参与访谈",
           *[f"{KIND_LABELS[k]}按时/应完成" for k in ASSESSED_KINDS],
           "收到提问", "通过提问", "直播中回答", "书面答复", "按时答复", "最高同时在线", "回顾页浏览"]


def assessment_xlsx(rows: list[dict], year: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{year}年考核"
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r in rows:
        q = r["questions"]
        sheet.append([r["unit"], r["interviews_led"], r["interviews_joined"],
                      *[f"{r['on_time'][k][0]}/{r['on_time'][k][1]}" for k in ASSESSED_KINDS],
                      q["received"], q["approved"], q["answered_live"], q["replied"], q["replied_on_time"],
                      r["viewers_peak"], r["archive_views"]])
    sheet.column_dimensions["A"].width = 24
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
