"""Annual interview plan (年度访谈计划) import: `POST /api/plans/import` and `flask plan import`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Blueprint, jsonify, request

from studio.platform.auth import allow_body, require_permission
from studio.platform.db import Session
from studio.platform.errors import DomainError, ValidationError
from studio.interviews import interview_json
from studio.platform.http import declare
from .importer import MAX_FILE_BYTES, import_plan
from .permissions import PERMISSIONS
from .schemas import PlanImportQuery, PlanResult, PlanUpload

# cli_group="plan" gives `flask --app server plan import FILE --year YYYY`.
bp = Blueprint("plans", __name__, cli_group="plan")


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


@bp.post("/api/plans/import")
@require_permission(PERMISSIONS["import_plans"])
@allow_body(MAX_FILE_BYTES / (1024 * 1024))
@declare(query=PlanImportQuery, form=PlanUpload, resp={200: PlanResult, 201: PlanResult})
def import_plan_api(query: PlanImportQuery):
    """Multipart `file` + `year` (+ `dry_run=1` to preview): all rows or none."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ValidationError("请选择计划表文件（CSV 或 XLSX）", code="missing_file", field="file")
    data = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise DomainError(f"计划表文件超过 {MAX_FILE_BYTES // 1024 // 1024} MB", code="too_large", status=413)
    dry_run = _flag(request.form.get("dry_run") or query.dry_run)
    session = Session()
    result = import_plan(session, upload.filename, data, request.form.get("year"), dry_run=dry_run)
    skipped = [row.as_json() for row in result.skipped]
    if dry_run:
        session.rollback()
        return jsonify({"dry_run": True, "rows": [row.as_json() for row in result.rows], "skipped": skipped})
    session.commit()
    return jsonify({"dry_run": False, "created": [interview_json(i, staff=True) for i in result.created],
                    "skipped": skipped}), 201 if result.created else 200


@bp.cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="the plan's year (rows carry none)")
@click.option("--dry-run", is_flag=True, help="check and show the rows without importing")
def import_plan_command(file: Path, year: int, dry_run: bool):
    """Import an annual plan (CSV or XLSX); prints one created interview id per line."""
    from studio.platform.timefmt import iso
    from .importer import PlanInvalid

    session = Session()
    try:
        result = import_plan(session, file.name, file.read_bytes(), year, dry_run=dry_run)
    except PlanInvalid as exc:
        session.rollback()
        if len(exc.problems) == 1:  # a file-level problem (unreadable, crafted, empty): one line
            raise click.ClickException(f"{file.name}: {exc.problems[0]}（未导入任何访谈 nothing imported）")
        for problem in exc.problems:
            click.echo(f"错误 error: {problem}", err=True)
        raise click.ClickException(f"{file.name}: 未导入任何访谈 nothing imported ({len(exc.problems)} 处错误)")
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message)
    for row in result.skipped:
        click.echo(f"已存在，跳过 skipped (already imported): 第 {row.row} 行 {row.plan_no}. {row.title}", err=True)
    if dry_run:
        session.rollback()
        for row in result.rows:
            units = "、".join(u["name"] + ("★" if u["is_lead"] else "") for u in row.units)
            when = iso(row.scheduled_at) if row.scheduled_at else f"{row.scheduled_month}月"
            click.echo(f"{row.plan_no}\t{when}\t{row.title}\t{units}")
        click.echo(f"dry run: {len(result.rows)} 条可导入，{len(result.skipped)} 条已存在", err=True)
        return
    session.commit()
    for interview in result.created:
        click.echo(str(interview.id))
    print(f"imported {len(result.created)}, skipped {len(result.skipped)}", file=sys.stderr)
