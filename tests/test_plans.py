"""Annual plan import: both real fixtures, header mapping, dates, units and ★, all-or-nothing."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from studio.platform.db import Session
from studio.platform.models import Interview

# In the repository (tests/fixtures/plans/README.md says where they come from): nothing outside it.
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "plans"
TAIBAI = FIXTURES / "taibai-2018.csv"
PUKOU = FIXTURES / "pukou-2024.csv"


def run_import(app, path, year, *extra):
    return app.test_cli_runner().invoke(args=["plan", "import", str(path), "--year", str(year), *extra])


def stdout_of(result) -> str:
    return result.stdout  # ids only; messages go to stderr (result.output has both)


def interviews(app, year=None):
    with app.app_context():
        from sqlalchemy import select
        query = select(Interview).order_by(Interview.plan_no)
        if year:
            query = query.where(Interview.year == year)
        rows = list(Session().scalars(query))
        return [{"id": i.id, "plan_no": i.plan_no, "title": i.title, "year": i.year, "state": i.state,
                 "month": i.scheduled_month, "at": i.scheduled_at, "notes": i.notes,
                 "units": [(iu.unit.name, iu.is_lead) for iu in i.units]} for i in rows]


def local(dt):
    from zoneinfo import ZoneInfo
    return dt.astimezone(ZoneInfo("Asia/Shanghai"))


def test_taibai_2018_exact_dates_one_unit_each(app):
    result = run_import(app, TAIBAI, 2018)
    assert result.exit_code == 0, result.output
    ids = [int(line) for line in stdout_of(result).split()]
    made = interviews(app, 2018)
    assert len(ids) == len(made) == 10
    assert sorted(ids) == sorted(i["id"] for i in made)
    first, fourth, last = made[0], made[3], made[9]
    assert first["plan_no"] == 1 and first["title"].startswith("围绕中央和省市扶贫攻坚会议精神")
    assert first["units"] == [("县扶贫办", True)]
    # 5月15日 with no time of day: that date at 09:30 studio time
    assert local(first["at"]).replace(tzinfo=None) == datetime(2018, 5, 15, 9, 30)
    assert first["month"] == 5 and first["state"] == "planned"
    assert fourth["units"] == [("县旅发委（招商局）", True)]  # brackets are part of the name
    assert local(last["at"]).date().isoformat() == "2018-11-09" and last["title"].startswith("消防安全法规解读")
    assert all(i["year"] == 2018 for i in made)


def test_pukou_2024_months_several_units_and_lead_marks(app):
    result = run_import(app, PUKOU, 2024)
    assert result.exit_code == 0, result.output
    made = interviews(app, 2024)
    assert len(made) == 8 and len(stdout_of(result).split()) == 8
    assert [i["month"] for i in made] == [4, 5, 6, 7, 8, 9, 10, 11]
    assert all(i["at"] is None for i in made)  # month only: no exact time invented
    assert made[0]["units"] == [("消防大队", True), ("江浦街道", False)]
    assert made[4]["units"] == [("工信局", False), ("高新区", True)]   # ★ on the second unit
    assert made[6]["units"] == [("珍珠泉度假区老山林场", True)]
    assert made[7]["title"] == "以“靠浦青锋”项目引领青春助力乡村振兴"
    for i in made:
        assert sum(lead for _, lead in i["units"]) == 1


def test_reimport_skips_rows_already_imported(app):
    assert run_import(app, TAIBAI, 2018).exit_code == 0
    again = run_import(app, TAIBAI, 2018)
    assert again.exit_code == 0
    assert stdout_of(again).split() == []
    assert len(interviews(app, 2018)) == 10
    # the same plan under another year is another plan
    assert len(stdout_of(run_import(app, TAIBAI, 2019)).split()) == 10


def bad_copy(tmp_path, source, old, new, name="bad.csv"):
    text = source.read_text(encoding="utf-8").replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,row,column", [
    ("6月1日", "13月1日", 3, "访谈时间"),
    ("7月15日", "2月30日", 5, "访谈时间"),
    ("6月20日", "", 4, "访谈时间"),
    ("6月20日", "六月底", 4, "访谈时间"),
    ("县住建局", "", 6, "责任单位"),
    ("8,县地税局,9月17日,税法解读及办理流程介绍", "8,县地税局,9月17日,", 9, "访谈主题"),
    ("\n3,县市场监管局", "\nx,县市场监管局", 4, "序号"),
])
def test_a_bad_cell_imports_nothing_and_names_row_and_column(app, tmp_path, old, new, row, column):
    path = bad_copy(tmp_path, TAIBAI, old, new)
    result = run_import(app, path, 2018)
    assert result.exit_code != 0
    assert f"第 {row} 行" in result.output and f"「{column}」列" in result.output, result.output
    assert interviews(app) == []


def test_a_missing_column_imports_nothing(app, tmp_path):
    lines = TAIBAI.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "no-date.csv"
    path.write_text("\n".join(",".join(c for k, c in enumerate(line.split(",")) if k != 2) for line in lines),
                    encoding="utf-8")
    result = run_import(app, path, 2018)
    assert result.exit_code != 0 and "「访谈时间」列" in result.output and "缺少" in result.output
    assert interviews(app) == []


def test_every_problem_is_listed_not_only_the_first(app, tmp_path):
    path = bad_copy(tmp_path, TAIBAI, "6月1日", "13月1日")
    path.write_text(path.read_text(encoding="utf-8").replace("8月31日", "2月29日"), encoding="utf-8")
    result = run_import(app, path, 2018)  # 2018 is not a leap year
    assert "第 3 行" in result.output and "第 8 行" in result.output
    assert interviews(app) == []


def test_title_row_bom_gbk_reordered_columns_and_other_header_names(app, tmp_path):
    text = ("2024年度在线访谈计划,,,\n"
            ",,,\n"
            "主题,日期,牵头单位,序号\n"
            "优化营商环境,5月15日 14:30,☆发改委；工商联,1\n"
            "教育惠民政策,2024年6月,教育局,2\n")
    gbk = tmp_path / "plan-gbk.csv"
    gbk.write_bytes(text.encode("gbk"))
    result = run_import(app, gbk, 2024)
    assert result.exit_code == 0, result.output
    made = interviews(app, 2024)
    assert [i["title"] for i in made] == ["优化营商环境", "教育惠民政策"]
    assert local(made[0]["at"]).replace(tzinfo=None) == datetime(2024, 5, 15, 14, 30)
    assert made[0]["units"] == [("发改委", True), ("工商联", False)]
    assert made[1]["month"] == 6 and made[1]["at"] is None
    bom = tmp_path / "plan-bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + PUKOU.read_bytes())
    assert run_import(app, bom, 2025).exit_code == 0
    assert len(interviews(app, 2025)) == 8


def make_xlsx(rows, title_row=True):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    if title_row:
        sheet.append(["2024年度在线访谈计划"])
        sheet.merge_cells("A1:E1")
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_with_merged_title_row_and_real_date_cells(app, tmp_path):
    data = make_xlsx([
        ["序号", "访谈时间", "访谈内容", "参加部门", "备注"],
        [1, "4月", "全民消防安全宣传教育", "消防大队★、江浦街道", "录播"],
        [2, datetime(2024, 5, 15), "知识产权服务", "市场监管局*，开发区", None],
        [None, None, None, None, None],
        [3.0, "6月20日", "数字农业", "农业农村局", ""],
    ])
    path = tmp_path / "plan.xlsx"
    path.write_bytes(data)
    result = run_import(app, path, 2024)
    assert result.exit_code == 0, result.output
    made = interviews(app, 2024)
    assert [i["plan_no"] for i in made] == [1, 2, 3]
    assert made[0]["month"] == 4 and made[0]["notes"] == "录播"
    assert local(made[1]["at"]).replace(tzinfo=None) == datetime(2024, 5, 15, 9, 30)
    assert made[1]["units"] == [("市场监管局", True), ("开发区", False)]
    assert made[2]["units"] == [("农业农村局", True)]


def test_xlsx_bad_date_names_spreadsheet_row(app, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(make_xlsx([["序号", "单位", "时间", "主题"], [1, "文旅局", "2月30日", "旅游"]]))
    result = run_import(app, path, 2024)
    assert result.exit_code != 0 and "第 3 行" in result.output and "「访谈时间」列" in result.output
    assert interviews(app) == []


@pytest.mark.parametrize("content,name", [
    (b"", "empty.csv"), (b"\x00\x01\x02garbage", "x.csv"), (b"PK\x03\x04broken zip", "x.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "old.xls"), ("只有一行文字\n没有表头\n".encode(), "x.csv"),
    ("序号,访谈主题,责任单位,访谈时间\n".encode(), "header-only.csv"),
    ("序号,访谈主题,责任单位,访谈时间\n1,两个牵头,甲局★、乙局★,4月\n".encode(), "two-leads.csv"),
    ("序号,访谈主题,责任单位,访谈时间\n1,甲,甲局,4月\n1,乙,乙局,5月\n".encode(), "dup-no.csv"),
    ("序号,访谈主题,责任单位,访谈时间\n1,甲,甲局,2023年4月\n".encode(), "other-year.csv"),
])
def test_broken_files_import_nothing(app, tmp_path, content, name):
    path = tmp_path / name
    path.write_bytes(content)
    result = run_import(app, path, 2024)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert interviews(app) == []


# ---- HTTP -----------------------------------------------------------------------------------

def upload(client, path_or_bytes, year="2024", name=None, **extra):
    data = path_or_bytes.read_bytes() if isinstance(path_or_bytes, Path) else path_or_bytes
    form = {"file": (io.BytesIO(data), name or (path_or_bytes.name if isinstance(path_or_bytes, Path) else "plan.csv")),
            "year": year, **extra}
    return client.post("/api/plans/import", data=form, content_type="multipart/form-data")


def test_http_dry_run_previews_without_writing_then_import_creates(app, admin):
    preview = upload(admin, PUKOU, dry_run="1")
    assert preview.status_code == 200, preview.get_json()
    body = preview.get_json()
    assert body["dry_run"] is True and len(body["rows"]) == 8 and body["skipped"] == []
    assert body["rows"][0] == {"row": 2, "plan_no": 1, "title": "全民消防安全宣传教育", "scheduled_month": 4,
                               "scheduled_at": None, "notes": "",
                               "units": [{"name": "消防大队", "is_lead": True}, {"name": "江浦街道", "is_lead": False}]}
    assert interviews(app) == []
    created = upload(admin, PUKOU)
    assert created.status_code == 201
    body = created.get_json()
    assert len(body["created"]) == 8 and body["created"][0]["state"] == "planned"
    assert body["created"][0]["units"][0] == {"id": body["created"][0]["units"][0]["id"], "name": "消防大队", "is_lead": True}
    again = upload(admin, PUKOU)
    assert again.status_code == 200 and again.get_json()["created"] == [] and len(again.get_json()["skipped"]) == 8
    assert len(interviews(app)) == 8


def test_http_dry_run_in_the_query_string_previews_too(app, admin):
    form = {"file": (io.BytesIO(PUKOU.read_bytes()), PUKOU.name), "year": "2024"}
    preview = admin.post("/api/plans/import?dry_run=Yes", data=form, content_type="multipart/form-data")
    assert preview.status_code == 200 and preview.get_json()["dry_run"] is True
    assert interviews(app) == []


def test_http_errors_name_row_and_column(app, admin, tmp_path):
    path = bad_copy(tmp_path, TAIBAI, "6月1日", "13月1日")
    resp = upload(admin, path, year="2018")
    assert resp.status_code == 400
    error = resp.get_json()["error"]
    assert error["code"] == "plan_invalid"
    assert error["errors"] == [{"row": 3, "column": "访谈时间", "message": "月份不存在：13月1日"}]
    assert interviews(app) == []


@pytest.mark.parametrize("form,code", [
    ({"year": "2024"}, "missing_file"),
    ({"year": "24", "file": (io.BytesIO(b"x"), "p.csv")}, "invalid_year"),
    ({"year": "abc", "file": (io.BytesIO(b"x"), "p.csv")}, "invalid_year"),
    ({"file": (io.BytesIO(b"x"), "p.csv")}, "invalid_year"),
])
def test_http_bad_requests_are_clear_4xx(admin, form, code):
    resp = admin.post("/api/plans/import", data=form, content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == code


def test_http_oversized_plan_is_refused(admin):
    resp = upload(admin, b"a" * (5 * 1024 * 1024 + 10), name="big.csv")
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"


# ---- crafted XLSX files (16.9): a clear 4xx / one CLI line naming the problem, never a 500 ----

def _xlsx_with(part: str, transform) -> bytes:
    """A valid plan XLSX whose `part` (e.g. xl/worksheets/sheet1.xml) is rewritten by transform."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(make_xlsx([["序号", "访谈时间", "访谈内容", "参加部门"],
                                                   [1, "4月", "消防", "消防大队"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, transform(data) if info.filename == part else data)
    return out.getvalue()


def _with_doctype(doctype: str, cell: str):
    def transform(xml: bytes) -> bytes:
        text = xml.decode()
        declaration_end = text.index("?>") + 2 if text.startswith("<?xml") else 0
        text = text[:declaration_end] + doctype + text[declaration_end:]
        return text.replace("消防大队", cell, 1).encode()
    return transform


LAUGHS = ("<!DOCTYPE lolz [<!ENTITY lol \"lol\">" + "".join(
    f"<!ENTITY lol{n} \"{('&lol' + (str(n - 1) if n > 1 else '') + ';') * 10}\">" for n in range(1, 10)) + "]>")
SHEET, WORKBOOK = "xl/worksheets/sheet1.xml", "xl/workbook.xml"


def _zip_bomb() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (60 * 1024 * 1024) + b">")
    return out.getvalue()


CRAFTED = {
    "undefined-entity": (lambda: _xlsx_with(SHEET, lambda x: x.replace("消防大队".encode(), b"&undefined;", 1)
                                            if "消防大队".encode() in x else x.replace(b"</sheetData>", b"&undefined;</sheetData>")),
                         "XML"),
    "billion-laughs-sheet": (lambda: _xlsx_with(SHEET, _with_doctype(LAUGHS, "&lol9;")), "实体"),
    "billion-laughs-workbook": (lambda: _xlsx_with(WORKBOOK, lambda x: _with_doctype(LAUGHS, "")(x).replace(
        b'name="Sheet"', b'name="&lol9;"')), "实体"),
    "external-entity": (lambda: _xlsx_with(SHEET, _with_doctype(
        '<!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>', "&ext;")), "实体"),
    "not-a-zip": (lambda: b"this is not a spreadsheet at all", "XLSX"),
    "zip-bomb": (_zip_bomb, "解压后过大"),
}


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_crafted_xlsx_over_http_is_a_clear_400(admin, app, kind):
    make, words = CRAFTED[kind]
    data = make()
    assert len(data) < 1024 * 1024  # small files: the danger is in what they unpack to
    resp = upload(admin, data, name="plan.xlsx")
    assert resp.status_code == 400, (kind, resp.status_code, resp.get_data(as_text=True)[:300])
    error = resp.get_json()["error"]
    assert error["code"] == "plan_invalid" and "XLSX" in error["message"] and words in error["message"], error
    assert interviews(app) == []


@pytest.mark.parametrize("kind", sorted(CRAFTED))
def test_crafted_xlsx_on_the_cli_prints_one_line_and_fails(app, tmp_path, kind):
    make, words = CRAFTED[kind]
    path = tmp_path / "plan.xlsx"
    path.write_bytes(make())
    result = run_import(app, path, 2024)
    assert result.exit_code != 0
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "plan.xlsx" in lines[0] and words in lines[0], result.output
    assert "Traceback" not in result.output and interviews(app) == []


# ---- text is stored as typed (8.1) --------------------------------------------------------------

def test_plan_text_is_stored_as_typed(app, tmp_path):
    """Full-width punctuation and compatibility ideographs stay; only headers and dates fold."""
    path = tmp_path / "typed.csv"
    path.write_text("序号,访谈时间（暂定）,访谈主题,责任单位\n"
                    "1,４月,“三农”工作：稳产保供（一），再出发！,县农业农村局（乡村振兴局）★、城關鎮\n"
                    "2,5月15日,兼容字形：\uf9d1十年,县林业局\n", encoding="utf-8")
    result = run_import(app, path, 2024)
    assert result.exit_code == 0, result.output
    made = interviews(app, 2024)
    assert made[0]["title"] == "“三农”工作：稳产保供（一），再出发！"
    assert made[0]["units"] == [("县农业农村局（乡村振兴局）", True), ("城關鎮", False)]
    assert made[0]["month"] == 4  # the full-width ４ of a date is a matching key: folded
    assert made[1]["title"] == "兼容字形：\uf9d1十年"  # NFC would have turned U+F9D1 into 六
