"""Annual interview plan (年度访谈计划) import: a CSV or XLSX table becomes planned interviews.

Columns are found by their header names (the notices name and order them differently), a title
row above the header is skipped, and the year comes from the operator because the rows carry
none. The whole file is checked first: one bad cell imports nothing and names its row and column.

Decisions (documented in docs/api/admin.md):
- An exact date without a time of day (`5月15日`) is scheduled at 09:30 local time, the usual
  morning slot; a month alone (`4月`) sets only scheduled_month.
- A row whose year + 序号 + title already exists is skipped and reported, never duplicated, so a
  corrected or extended plan can be imported again.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import select

from studio.platform.errors import ValidationError
from studio.interviews import create_interview
from studio.platform.models import Interview
from studio.platform.timefmt import local_zone

# Canonical column -> the header names plans use for it (compared after normalise_header).
COLUMNS: dict[str, tuple[str, ...]] = {
    "plan_no": ("序号", "编号", "序"),
    "units": ("责任单位", "参加部门", "牵头单位", "单位", "参加单位", "承办单位", "访谈单位", "部门", "责任部门"),
    "date": ("访谈时间", "时间", "日期", "访谈日期", "计划时间", "月份", "访谈月份"),
    "title": ("访谈主题", "访谈内容", "主题", "内容", "访谈题目", "题目", "访谈话题"),
    "notes": ("备注", "说明"),
}
REQUIRED_COLUMNS = ("units", "date", "title")
# The Chinese name an error message uses for each column.
COLUMN_LABELS = {"plan_no": "序号", "units": "责任单位", "date": "访谈时间", "title": "访谈主题", "notes": "备注"}

LEAD_MARKS = "★☆*＊"
UNIT_SEPARATORS = re.compile(r"[、，,;；\n]+")
DEFAULT_TIME_OF_DAY = time(9, 30)
MAX_FILE_BYTES = 5 * 1024 * 1024
# A real plan's XLSX unpacks to well under 1 MB; more than this is a zip bomb, not a plan.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_ROWS = 2000
# How far down the header may be (title rows, blank lines and notes come first in some files).
HEADER_SEARCH_ROWS = 15


@dataclass
class PlanRow:
    """One checked plan row, ready to become an interview."""

    row: int
    plan_no: int
    title: str
    units: list[dict]
    scheduled_month: int
    scheduled_at: datetime | None
    notes: str = ""

    def as_json(self) -> dict:
        from studio.platform.timefmt import iso

        return {"row": self.row, "plan_no": self.plan_no, "title": self.title, "units": self.units,
                "scheduled_month": self.scheduled_month, "scheduled_at": iso(self.scheduled_at),
                "notes": self.notes}


@dataclass
class PlanProblem:
    row: int | None
    column: str | None
    message: str

    def as_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"「{self.column}」列")
        return ("，".join(where) + "：" if where else "") + self.message


class PlanInvalid(ValidationError):
    """The file cannot be imported; `problems` says where each problem is."""

    code = "plan_invalid"

    def __init__(self, problems: list[PlanProblem]):
        self.problems = problems
        summary = "；".join(str(p) for p in problems[:3])
        more = f"（共 {len(problems)} 处）" if len(problems) > 3 else ""
        super().__init__(f"计划表有误，未导入任何访谈：{summary}{more}",
                         errors=[p.as_json() for p in problems])


@dataclass
class ImportResult:
    created: list[Interview] = field(default_factory=list)
    rows: list[PlanRow] = field(default_factory=list)      # the rows that are (or would be) created
    skipped: list[PlanRow] = field(default_factory=list)   # already imported before


# ---- reading the table ----------------------------------------------------------------------

def read_table(filename: str, data: bytes) -> list[list[object]]:
    """The cells of the first sheet (XLSX) or of the CSV, row by row."""
    if len(data) > MAX_FILE_BYTES:
        raise PlanInvalid([PlanProblem(None, None, f"文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB")])
    if not data.strip():
        raise PlanInvalid([PlanProblem(None, None, "文件是空的")])
    name = (filename or "").lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise PlanInvalid([PlanProblem(None, None, "不支持旧版 .xls 格式，请在 Excel/WPS 中另存为 .xlsx 或 .csv")])
    return _read_csv(data)


def _read_csv(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise PlanInvalid([PlanProblem(None, None, "无法识别文件编码（应为 UTF-8 或 GBK）")])
    if "\x00" in text:
        raise PlanInvalid([PlanProblem(None, None, "这不是文本格式的 CSV 文件")])
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise PlanInvalid([PlanProblem(None, None, f"CSV 格式错误：{exc}")])


def _read_xlsx(data: bytes) -> list[list[object]]:
    """The first sheet's cells. Every way a crafted file can fail is a PlanInvalid naming it."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise _xlsx_problem("解压后过大（疑似压缩炸弹）")
            # Excel and WPS never write a DTD; one in any part is an entity trick (billion
            # laughs, external entities). The XML readers would refuse or ignore it part by
            # part; refusing the file up front says so once, the same way for every part.
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    with archive.open(info) as part:
                        if b"<!doctype" in part.read(64 * 1024).lower():
                            raise _xlsx_problem(_xlsx_reason(_DTDFound()))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except PlanInvalid:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise _xlsx_problem(_xlsx_reason(exc))
    try:
        sheet = workbook.worksheets[0]
        rows = []
        # read_only parses the sheet while iterating: a bad entity in it surfaces here.
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values))
            if len(rows) > MAX_ROWS + HEADER_SEARCH_ROWS:
                break
        return rows
    except Exception as exc:  # noqa: BLE001 - same: any failure inside the sheet's XML
        raise _xlsx_problem(_xlsx_reason(exc))
    finally:
        workbook.close()


class _DTDFound(Exception):
    pass


def _xlsx_problem(reason: str) -> "PlanInvalid":
    return PlanInvalid([PlanProblem(None, None, f"无法读取 XLSX 文件：{reason}")])


def _xlsx_reason(exc: Exception) -> str:
    """A Chinese reason for a reader's exception (the raw text of XML errors is kept, short)."""
    from xml.etree.ElementTree import ParseError

    # openpyxl wraps what went wrong ("Unable to read workbook"): the cause names the problem.
    while (exc.__cause__ or exc.__context__) is not None and type(exc).__name__ in ("ValueError", "TypeError"):
        exc = exc.__cause__ or exc.__context__
    kind = type(exc).__name__
    if kind in ("_DTDFound", "EntitiesForbidden", "DTDForbidden", "ExternalReferenceForbidden", "NotSupportedError"):
        return "含有 XML 实体或 DTD 定义（不允许，可能是恶意文件）；请在 Excel/WPS 中另存为 .xlsx"
    if isinstance(exc, zipfile.BadZipFile) or kind == "InvalidFileException":
        return "不是有效的 XLSX（zip）文件；请在 Excel/WPS 中另存为 .xlsx 或 .csv"
    if isinstance(exc, ParseError) or kind in ("XMLSyntaxError", "ExpatError"):
        return f"文件内部的 XML 有误（{str(exc)[:80]}）"
    if isinstance(exc, (KeyError, IndexError)):
        return "缺少工作表或其组成部分"
    if isinstance(exc, MemoryError):
        return "内容过大"
    return f"文件已损坏（{kind}）"


# ---- headers --------------------------------------------------------------------------------

def normalise_header(value) -> str:
    """'访谈时间（暂定）\n' -> '访谈时间': no spaces, no bracketed remarks, no required-marks."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"[(（\[【].*?[)）\]】]", "", text)
    return re.sub(r"[\s*＊:：]", "", text)


def _header_map(cells: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = normalise_header(cell)
        for column, aliases in COLUMNS.items():
            if name in aliases and column not in found:
                found[column] = index
    return found


def find_header(rows: list[list[object]]) -> tuple[int, dict[str, int]]:
    """The header row's index and column positions: the first row naming at least two known columns."""
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns = _header_map(cells)
        if len(columns) >= 2:
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise PlanInvalid([PlanProblem(index + 1, COLUMN_LABELS[c],
                                               f"缺少此列（表头可写作：{'、'.join(COLUMNS[c][:4])}）")
                                   for c in missing])
            return index, columns
    raise PlanInvalid([PlanProblem(None, None, "找不到表头行：需要 序号、责任单位、访谈时间、访谈主题 等列名")])


# ---- cells ----------------------------------------------------------------------------------

def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    # As typed (full-width （）：， and every other character stay): NFKC and similar folding are
    # only for matching keys (headers, dates). Drop invisible control characters a spreadsheet
    # may carry; keep line breaks for splitting.
    text = str(value)
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc").strip()


_DATE_PATTERNS = (
    # 2024年5月15日 / 5月15日 / 5月15号, optionally followed by a time of day
    re.compile(r"^(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]"
               r"(?:\s*(?:上午|下午)?\s*(?P<H>\d{1,2})[:：时点](?P<M>\d{2})?分?)?$"),
    # 2024-05-15, 2024/5/15, 2024.5.15 (a spreadsheet's own date cells arrive as datetimes)
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::\d{2})?)?$"),
    # 5.15 / 5/15
    re.compile(r"^(?P<m>\d{1,2})[./](?P<d>\d{1,2})$"),
)
# 4月 / 4月份 / 4月上旬 / 2024年4月 / 4月中下旬: the month is agreed, the day is not yet.
_MONTH_PATTERN = re.compile(r"^(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?:份|初|底|末|中|上旬|中旬|下旬|中下旬|上中旬)?$")


def parse_plan_date(value, year: int) -> tuple[int, datetime | None]:
    """A plan's date cell -> (month, scheduled_at or None). Raises ValueError with a Chinese reason."""
    if isinstance(value, datetime):
        if value.year != year:
            raise ValueError(f"日期 {value:%Y-%m-%d} 不在 {year} 年")
        moment = value.time() if value.time() != time(0, 0) else DEFAULT_TIME_OF_DAY
        return value.month, datetime.combine(value.date(), moment, local_zone()).astimezone(timezone.utc)
    if isinstance(value, date):
        return parse_plan_date(datetime.combine(value, time(0, 0)), year)
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", _cell_text(value))).strip()
    if not text:
        raise ValueError("日期为空（应写作 5月15日 或 4月）")
    match = _MONTH_PATTERN.match(text)
    if match:
        _check_year(match.group("y"), year, text)
        month = int(match.group("m"))
        if not 1 <= month <= 12:
            raise ValueError(f"月份不存在：{text}")
        return month, None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            _check_year(groups.get("y"), year, text)
            month, day = int(groups["m"]), int(groups["d"])
            if not 1 <= month <= 12:
                raise ValueError(f"月份不存在：{text}")
            if not 1 <= day <= monthrange(year, month)[1]:
                raise ValueError(f"{year} 年没有这一天：{text}")
            moment = DEFAULT_TIME_OF_DAY
            if groups.get("H"):
                hour, minute = int(groups["H"]), int(groups.get("M") or 0)
                if "下午" in text and hour < 12:
                    hour += 12
                if hour > 23 or minute > 59:
                    raise ValueError(f"时间不存在：{text}")
                moment = time(hour, minute)
            local = datetime.combine(date(year, month, day), moment, local_zone())
            return month, local.astimezone(timezone.utc)
    raise ValueError(f"无法识别的日期：{text[:40]}（应写作 5月15日 或 4月）")


def _check_year(written: str | None, year: int, text: str) -> None:
    if written and int(written) != year:
        raise ValueError(f"日期 {text} 不在导入的 {year} 年")


def parse_units(text: str) -> list[dict]:
    """'消防大队★、江浦街道' -> [{name: 消防大队, is_lead: True}, {name: 江浦街道, is_lead: False}]."""
    units: list[dict] = []
    for part in UNIT_SEPARATORS.split(text):
        part = part.strip()
        if not part:
            continue
        lead = part[0] in LEAD_MARKS or part[-1] in LEAD_MARKS
        name = part.strip(LEAD_MARKS + " \t")
        if not name:
            continue
        if len(name) > 200:
            raise ValueError("单位名称超过 200 个字符")
        if any(u["name"] == name for u in units):
            continue
        units.append({"name": name, "is_lead": lead})
    if not units:
        raise ValueError("没有责任单位")
    leads = [u for u in units if u["is_lead"]]
    if len(leads) > 1:
        raise ValueError("只能有一个第一责任单位（★）：" + "、".join(u["name"] for u in leads))
    if not leads:
        units[0]["is_lead"] = True  # the first-named unit leads unless another is marked
    return units


# ---- checking and importing -----------------------------------------------------------------

def check_year(year) -> int:
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year.strip())
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError("year 必须是 2000–2100 的年份", code="invalid_year", field="year")
    return year


def parse_plan(rows: list[list[object]], year: int) -> list[PlanRow]:
    """Check every row; raise PlanInvalid listing every problem, or return the plan rows."""
    header_index, columns = find_header(rows)
    problems: list[PlanProblem] = []
    plan: list[PlanRow] = []
    seen_numbers: dict[int, int] = {}
    data_rows = rows[header_index + 1:]
    if len(data_rows) > MAX_ROWS:
        raise PlanInvalid([PlanProblem(None, None, f"超过 {MAX_ROWS} 行")])

    def cell(cells, column):
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    ordinal = 0
    for offset, cells in enumerate(data_rows):
        row_no = header_index + 2 + offset  # the row number a spreadsheet shows
        if all(_cell_text(c) == "" for c in cells):
            continue
        ordinal += 1
        row_problems = []

        def problem(column, message, row_problems=row_problems, row_no=row_no):
            row_problems.append(PlanProblem(row_no, COLUMN_LABELS[column], message))

        title = re.sub(r"\s+", " ", _cell_text(cell(cells, "title")))
        if not title:
            problem("title", "访谈主题为空")
        elif len(title) > 300:
            problem("title", "访谈主题超过 300 个字符")

        plan_no = ordinal  # a plan without a 序号 column is numbered in row order
        if "plan_no" in columns:
            raw_no = _cell_text(cell(cells, "plan_no"))
            if raw_no:
                if not re.fullmatch(r"\d{1,6}", raw_no):
                    problem("plan_no", f"序号应为数字：{raw_no[:20]}")
                else:
                    plan_no = int(raw_no)
                    if plan_no in seen_numbers:
                        problem("plan_no", f"序号 {plan_no} 与第 {seen_numbers[plan_no]} 行重复")
                    seen_numbers.setdefault(plan_no, row_no)

        units: list[dict] = []
        try:
            units = parse_units(_cell_text(cell(cells, "units")))
        except ValueError as exc:
            problem("units", str(exc))

        month, scheduled_at = 0, None
        try:
            month, scheduled_at = parse_plan_date(cell(cells, "date"), year)
        except ValueError as exc:
            problem("date", str(exc))

        notes = _cell_text(cell(cells, "notes"))[:20000]
        if row_problems:
            problems.extend(row_problems)
            continue
        plan.append(PlanRow(row=row_no, plan_no=plan_no, title=title, units=units,
                            scheduled_month=month, scheduled_at=scheduled_at, notes=notes))
    if problems:
        raise PlanInvalid(problems)
    if not plan:
        raise PlanInvalid([PlanProblem(header_index + 1, None, "表头下面没有任何访谈")])
    return plan


def import_plan(session, filename: str, data: bytes, year, dry_run: bool = False) -> ImportResult:
    """Check the whole file, then create one planned interview per new row (in the caller's transaction).

    Rows already imported (same year, 序号 and title) are skipped. With dry_run nothing is written.
    """
    year = check_year(year)
    plan = parse_plan(read_table(filename, data), year)
    existing = {(i.plan_no, i.title) for i in session.scalars(select(Interview).where(Interview.year == year))}
    result = ImportResult()
    for row in plan:
        (result.skipped if (row.plan_no, row.title) in existing else result.rows).append(row)
    if dry_run:
        return result
    from studio.platform.timefmt import iso

    for row in result.rows:
        interview = create_interview(session, {
            "title": row.title, "year": year, "scheduled_month": row.scheduled_month,
            "scheduled_at": iso(row.scheduled_at), "units": row.units, "notes": row.notes,
        })
        interview.plan_no = row.plan_no
        result.created.append(interview)
    session.flush()
    return result
